import type { StoredTask } from '../store/store.js';
import type { TaskKind, TaskProgress, TaskSnapshot, TaskState } from './task-types.js';

/** A task as the store keeps it: its snapshot, the server running it, and the call that started it. */
export function toStored(s: TaskSnapshot, owner: string, request: unknown): StoredTask {
  return {
    id: s.task_id,
    kind: s.kind,
    state: s.state,
    label: s.label,
    owner,
    request,
    progress: s.progress,
    result: s.result,
    error: s.error,
    createdAt: s.created_at,
    finishedAt: s.finished_at,
  };
}

/** A stored task as get_task shows it. */
export function fromStored(t: StoredTask): TaskSnapshot {
  return {
    task_id: t.id,
    kind: t.kind as TaskKind,
    state: t.state as TaskState,
    label: t.label,
    progress: t.progress as TaskProgress,
    created_at: t.createdAt,
    finished_at: t.finishedAt,
    ...(t.result !== undefined && t.result !== null ? { result: t.result as object } : {}),
    ...(t.error !== undefined && t.error !== null ? { error: t.error as { code: string; message: string } } : {}),
  };
}

/** A stored task whose server is gone, ended `interrupted` with the call to run again. */
export function interrupted(t: StoredTask, at: string): StoredTask {
  return {
    ...t,
    state: 'interrupted',
    finishedAt: at,
    error: {
      code: 'interrupted',
      message: `The server running this task stopped before it finished. Nothing was charged twice; finished turns are in the instances' output. To retry, run the same call again: ${JSON.stringify(t.request)}`,
    },
  };
}
