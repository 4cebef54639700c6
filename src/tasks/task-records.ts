import type { StoredTask } from '../store/store.js';
import type { TaskKind, TaskProgress, TaskSnapshot, TaskState } from './task-types.js';
import type { JournalEntry } from './turn-journal.js';

/** What the store keeps of a task beyond its snapshot, in its progress (get_task never shows it). */
export interface StoredExtras {
  /** Its finished turns (a coordination run), reused if it is resumed. */
  readonly journal?: readonly JournalEntry[];
  /** Interrupted by a shutdown: the next server on the store resumes it (RESUME_INTERRUPTED). */
  readonly resumePending?: boolean;
  /** How many times it was resumed (a run that keeps stopping its server is not resumed for ever). */
  readonly resumes?: number;
}

/** A task as the store keeps it: its snapshot, the server running it, and the call that started it. */
export function toStored(s: TaskSnapshot, owner: string, request: unknown, extras: StoredExtras = {}): StoredTask {
  // Kept while the task may still be resumed; a task that ended for good drops it (its result says it all).
  const resumable = s.state === 'working' || s.state === 'interrupted';
  const journal = resumable && extras.journal && extras.journal.length > 0 ? { journal: extras.journal } : {};
  const pending = extras.resumePending ? { resume_pending: true } : {};
  const resumes = extras.resumes ? { resumes: extras.resumes } : {};
  return {
    id: s.task_id,
    kind: s.kind,
    state: s.state,
    label: s.label,
    owner,
    request,
    progress: { ...s.progress, ...journal, ...pending, ...resumes },
    result: s.result,
    error: s.error,
    createdAt: s.created_at,
    finishedAt: s.finished_at,
  };
}

/** A stored task as get_task shows it. */
export function fromStored(t: StoredTask): TaskSnapshot {
  const { journal: _journal, resume_pending: _pending, resumes: _resumes, ...progress } = (t.progress ?? {}) as TaskProgress & { journal?: unknown; resume_pending?: unknown; resumes?: unknown };
  return {
    task_id: t.id,
    kind: t.kind as TaskKind,
    state: t.state as TaskState,
    label: t.label,
    progress,
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
