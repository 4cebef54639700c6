import { sleep } from '../async/sleep.js';
import { OrchestratorError } from '../domain/errors.js';
import type { StoredApproval } from '../store/approvals.js';
import type { StoreReads } from '../store/store.js';

/** First and longest pause between two reads of a pending ask: an answer on another node is seen within a second. */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1_000;

/**
 * Waits until the ask `id` is settled, from any node: reads it (a key lookup) with growing pauses, and at
 * once when `onWake` is called (an answer given on this node). Rejects with the signal's reason on abort.
 */
export async function waitForSettlement(store: Pick<StoreReads, 'getApproval'>, id: string, signal: AbortSignal, register: (wake: () => void) => void): Promise<StoredApproval> {
  let pauseMs = FIRST_POLL_MS;
  for (;;) {
    const current = await store.getApproval(id);
    if (current === undefined) throw new OrchestratorError('not_found', `approval ${id} disappeared from the store`);
    if (current.state === 'settled') return current;
    const woken = new AbortController();
    register(() => woken.abort());
    try {
      await sleep(pauseMs, AbortSignal.any([signal, woken.signal]));
    } catch (error) {
      // Woken (answered on this node): read it again now. Aborted: the wait is over.
      if (signal.aborted) throw error;
    }
    pauseMs = Math.min(MAX_POLL_MS, pauseMs * 2);
  }
}
