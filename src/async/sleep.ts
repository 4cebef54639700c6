import { OrchestratorError } from '../domain/errors.js';

/** A wait that ends early, rejecting with the signal's reason, when the signal aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Waits `ms`; on abort rejects with the signal's reason and clears its timer, so no wait outlives its turn. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const abort = (): void => {
      clearTimeout(timer);
      const reason: unknown = signal.reason;
      reject(reason instanceof Error ? reason : new OrchestratorError('cancelled', 'Cancelled while waiting.'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
  });
