import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { lastUserText, systemText } from '../simulator/request-text.js';
import type { CrashWorld } from '../test-support/crash-world.js';

type S = Record<string, any>;

/**
 * The resume tests' simulator (test-only): it counts the model calls of each instance (named by `AGENT-<name>`
 * in its system prompt) and holds the replies of instances named `slow…` until `release()`, so a test can kill
 * the server while some participants have finished and others are still running.
 */
export class CountingSimulator {
  readonly calls = new Map<string, number>();
  /** Calls per instance and message, e.g. `solo: SOLO first`. */
  readonly asks = new Map<string, number>();
  /** Each instance's requests: how many messages each carried (a resumed Claude Code session carries its transcript). */
  readonly lengths = new Map<string, number[]>();
  #hold = true;
  #release = () => undefined as void;
  #gate = new Promise<void>((r) => (this.#release = () => r()));

  private constructor(readonly sim: RunningSimulator) {}

  static async start(): Promise<CountingSimulator> {
    let self: CountingSimulator | undefined;
    const sim = await startSimulator({
      script: [{ match: { system: 'AGENT-' }, reply: async (request) => (self as CountingSimulator).answer(systemText(request), lastUserText(request), request.messages.length) }],
    });
    self = new CountingSimulator(sim);
    return self;
  }

  async answer(system: string, lastUser: string, messages: number): Promise<string> {
    const who = /AGENT-(\w+)/.exec(system)?.[1] ?? '?';
    this.calls.set(who, (this.calls.get(who) ?? 0) + 1);
    this.lengths.set(who, [...(this.lengths.get(who) ?? []), messages]);
    const ask = `${who}: ${lastUser.slice(0, 40)}`;
    this.asks.set(ask, (this.asks.get(ask) ?? 0) + 1);
    if (this.#hold && who.startsWith('slow')) await this.#gate;
    return `answer of ${who}`;
  }

  /** From now on every instance answers at once (and the held replies go out, to a server that is gone). */
  release(): void {
    this.#hold = false;
    this.#release();
  }

  /** Counts cleared and replies held again, for the next test. */
  reset(): void {
    this.calls.clear();
    this.asks.clear();
    this.lengths.clear();
    this.#hold = true;
    this.#gate = new Promise<void>((r) => (this.#release = () => r()));
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.calls);
  }

  async close(): Promise<void> {
    this.release();
    await this.sim.close();
  }
}

/** The task as the store holds it (read beside the server; the server writes it as participants finish). */
export function storedTask(world: CrashWorld, id: string): S | undefined {
  const db = new Database(join(world.workspace, 'orchestrator.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as S | undefined;
    return row ? { ...row, progress: JSON.parse(row['progress'] as string) } : undefined;
  } finally {
    db.close();
  }
}

/** The ids of the tasks of one kind the store holds, oldest first (for a run whose caller waited: no handle came back). */
export function storedTaskIds(world: CrashWorld, kind: string): string[] {
  const db = new Database(join(world.workspace, 'orchestrator.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id FROM tasks WHERE kind = ? ORDER BY created_at').all(kind) as S[]).map((r) => r['id'] as string);
  } finally {
    db.close();
  }
}

/** Spawns api instances with these names (each says `AGENT-<name>` in its system prompt); returns their ids. */
export async function spawnNamed(world: CrashWorld, names: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) ids.push((await world.ok('spawn_claude', { name, system_prompt: `You are AGENT-${name}.` }))['instance_id'] as string);
  return ids;
}

/** Polls get_task on the world's server until the task is no longer working; returns it. */
export async function settledTask(world: CrashWorld, id: string, waitFor: (c: () => Promise<boolean>, what: string) => Promise<void>): Promise<S> {
  let task: S = {};
  await waitFor(async () => (task = await world.ok('get_task', { task_id: id }))['state'] !== 'working', `task ${id} to end`);
  return task;
}
