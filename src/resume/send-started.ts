import type { StoreReads, StoredTask } from '../store/store.js';

/** How far back in an instance's conversation a send's own message is looked for (its turn was among the last). */
const LOOK_BACK = 20;
const SKEW_MS = 60_000;

/**
 * Whether an interrupted send had begun its turn: its user message is written in the same transaction as the
 * turn's first hold, just before the first model call. Once it is there the call may have been made (and
 * paid), so the send is not run again; before it (queued, waiting for the instance) nothing was asked yet.
 * Conservative: a message of the same text sent to the instance since the task began (or at an unknown
 * time) counts as its own.
 */
export async function sendStarted(store: Pick<StoreReads, 'listMessages'>, task: StoredTask, instanceId: string, message: string): Promise<boolean> {
  const head = await store.listMessages(instanceId, { offset: 0, limit: 1 });
  const offset = Math.max(0, head.total - LOOK_BACK);
  const page = await store.listMessages(instanceId, { offset, limit: LOOK_BACK });
  // A minute's margin: the message may have been written by another node, whose clock may be a little behind.
  const since = Date.parse(task.createdAt) - SKEW_MS;
  return page.items.some((m) => m.role === 'user' && m.content === message && !(Date.parse(m.at) < since));
}
