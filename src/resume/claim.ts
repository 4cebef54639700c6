import type { Store, StoredTask } from '../store/store.js';

/**
 * Takes a stored task over for this server in one transaction, if it is still as `expected` says (working for
 * a server that is gone, or interrupted and waiting to be resumed): it becomes this server's, `working` again,
 * its progress starting over (the finished turns it stored kept for reuse). Undefined when another server was
 * first: only one server ever resumes a task.
 */
export async function claimTask(store: Store, id: string, owner: string, at: string, expected: (current: StoredTask) => boolean): Promise<StoredTask | undefined> {
  return store.transaction(async (tx) => {
    const current = await tx.getTask(id);
    if (!current || !expected(current)) return undefined;
    const before = (current.progress ?? {}) as { journal?: unknown };
    // Counted, so a run that keeps stopping its server is not resumed for ever (resumer.ts).
    const resumes = resumesOf(current) + 1;
    const claimed: StoredTask = {
      ...current,
      owner,
      state: 'working',
      finishedAt: null,
      result: undefined,
      error: undefined,
      progress: { message: 'resumed after a restart', completed_turns: 0, total_turns: null, tokens: 0, updated_at: at, resumes, ...(before.journal !== undefined ? { journal: before.journal } : {}) },
    };
    await tx.saveTask(claimed);
    return claimed;
  });
}

/** How many times a task was resumed so far. */
export function resumesOf(task: StoredTask): number {
  const n = (task.progress as { resumes?: unknown } | null)?.resumes;
  return typeof n === 'number' ? n : 0;
}

/** Marks a task interrupted in one transaction if it is still as `expected` says; false when another server was first. */
export async function markTask(store: Store, id: string, expected: (current: StoredTask) => boolean, next: (current: StoredTask) => StoredTask): Promise<boolean> {
  return store.transaction(async (tx) => {
    const current = await tx.getTask(id);
    if (!current || !expected(current)) return false;
    await tx.saveTask(next(current));
    return true;
  });
}
