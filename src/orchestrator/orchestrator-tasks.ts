import { toOrchestratorError } from '../domain/errors.js';
import { TaskRegistry, type TaskRegistryOptions } from '../tasks/task-registry.js';
import type { Kernel } from './kernel.js';

/**
 * The orchestrator's tasks: kept in its store under its owner id, each change published as a `task.progress`
 * event, and each working task of a gone server offered to `takeOver` (the resumer) first.
 */
export function orchestratorTasks(k: Kernel, takeOver: NonNullable<TaskRegistryOptions['takeOver']>): TaskRegistry {
  const { clock, ids, owner, store, events, log } = k;
  return new TaskRegistry({
    resumeInterrupted: k.config.resumeInterrupted,
    takeOver,
    now: () => clock.now(),
    ids,
    store: { saveTask: (task) => store.transaction((tx) => tx.saveTask(task)), getTask: (id) => store.getTask(id) },
    owner: owner.id,
    onChange: (t) =>
      events.publish({
        type: 'task.progress',
        at: t.progress.updated_at,
        taskId: t.task_id,
        state: t.state,
        message: t.progress.message,
        completedTurns: t.progress.completed_turns,
        totalTurns: t.progress.total_turns,
        tokens: t.progress.tokens,
      }),
    onPersistError: (error, taskId) => log.error({ taskId, err: toOrchestratorError(error).message }, 'task could not be saved'),
  });
}
