import { createHash } from 'node:crypto';

/**
 * One finished turn of a coordination run, stored with its task as it finishes: which instance, a digest of
 * the message it was sent, and the outcome the strategy saw. A run resumed after a restart replays these
 * instead of asking again (src/resume), so a participant that had finished is never paid twice.
 */
export interface JournalEntry {
  readonly instance_id: string;
  /** sha256 of the message (the prompts are deterministic given the earlier replies). */
  readonly message_sha256: string;
  /** The turn's outcome as the strategy saw it (a TurnOutcome: reply, usage, cost, evidence...). */
  readonly outcome: object;
}

export function messageDigest(message: string): string {
  return createHash('sha256').update(message).digest('hex');
}

export function journalEntry(instanceId: string, message: string, outcome: object): JournalEntry {
  return { instance_id: instanceId, message_sha256: messageDigest(message), outcome };
}

/**
 * The finished turns of an interrupted run, handed out once each: the n-th ask of an instance with a message
 * gets the n-th stored outcome for that pair, and asks past what was stored run for real.
 */
export class Replay {
  readonly #left = new Map<string, object[]>();

  constructor(entries: readonly JournalEntry[]) {
    for (const e of entries) {
      const key = `${e.instance_id}\n${e.message_sha256}`;
      const list = this.#left.get(key) ?? [];
      list.push(e.outcome);
      this.#left.set(key, list);
    }
  }

  /** The stored outcome of this ask, taken (undefined when the turn has to run). */
  take(instanceId: string, message: string): object | undefined {
    return this.#left.get(`${instanceId}\n${messageDigest(message)}`)?.shift();
  }
}

/** Entries read back from a stored task's progress (anything malformed is dropped: that turn just runs again). */
export function readJournal(raw: unknown): JournalEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is JournalEntry =>
      typeof e === 'object' && e !== null && typeof (e as JournalEntry).instance_id === 'string' && typeof (e as JournalEntry).message_sha256 === 'string' && typeof (e as JournalEntry).outcome === 'object' && (e as JournalEntry).outcome !== null,
  );
}
