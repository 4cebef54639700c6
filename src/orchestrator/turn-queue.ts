import { OrchestratorError } from '../domain/errors.js';
import { rejectOnAbort } from '../async/reject-on-abort.js';

/**
 * Runs the turns of one instance one at a time, in arrival order, so concurrent sends never interleave a
 * conversation. A caller whose signal aborts while waiting leaves the queue without running.
 */
export class TurnQueue {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    try {
      await waitOrAbort(previous, signal);
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Whether a turn of this key is running or waiting. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }
}

/** Waits for the previous turn to end (however it ended), or rejects as soon as the caller gives up. */
function waitOrAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return rejectOnAbort(promise.catch(() => undefined), signal, () => abortError(signal));
}

function abortError(signal: AbortSignal): OrchestratorError {
  const reason: unknown = signal.reason;
  return reason instanceof OrchestratorError ? reason : new OrchestratorError('cancelled', 'The send was cancelled while waiting for an earlier turn.');
}
