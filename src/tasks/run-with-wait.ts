import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';
import type { ProgressActivity } from '../liveness/progress-activity.js';
import type { ToolContext } from '../tools/tool-definition.js';
import type { ProgressReport, TaskKind, TaskRegistry, TaskSnapshot } from './task-registry.js';

/** What a tool returns while its work is still running. */
export interface TaskHandle {
  task_id: string;
  state: 'working';
  progress: TaskSnapshot['progress'];
  next: string;
}

export function taskHandle(snapshot: TaskSnapshot): TaskHandle {
  return {
    task_id: snapshot.task_id,
    state: 'working',
    progress: snapshot.progress,
    next: `Still working. Call get_task with {"task_id": "${snapshot.task_id}", "wait_seconds": ${DEFAULTS.waitSeconds}} to wait for the result, or cancel_task to stop it.`,
  };
}

/**
 * Runs work as a task and waits for it: the result if it ends within the wait, else a task handle.
 * The wait is `wait_seconds` when given; otherwise 25 s, or until done when the client asked for progress
 * notifications (it then hears from us at least every heartbeat, so its timeout keeps resetting).
 * A failed task is thrown as its error, so the tool reports it like any failure.
 */
export async function runWithWait(
  tasks: TaskRegistry,
  kind: TaskKind,
  label: string,
  work: (signal: AbortSignal, report: (update: ProgressReport) => void) => Promise<object>,
  context: ToolContext,
  waitSeconds: number | undefined,
  request: unknown = null,
  /** Adds what the task's instances are doing to each progress notification (and sends one when it changes). */
  activity?: ProgressActivity,
): Promise<object> {
  // A coordination is stored from the start, so a crash or restart while its caller waits can still resume it
  // (src/resume); a send only once its id is handed out.
  const started = tasks.start(kind, label, work, request, { publish: kind === 'coordinate' });
  const id = started.task_id;
  const waitMs = waitSeconds !== undefined ? waitSeconds * 1000 : context.onProgress ? Number.POSITIVE_INFINITY : DEFAULTS.waitSeconds * 1000;
  const stopWatching = watchProgress(tasks, id, context, activity);
  // A client that gives up on its request (cancels it) stops the work too: nobody holds the task id yet.
  const onAbort = () => void tasks.cancel(id, 'The client cancelled the request.');
  context.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const snapshot = await tasks.wait(id, waitMs, context.signal);
    // Still working: its id goes out in a handle, so from now on the store keeps it for any server to answer.
    if (snapshot.state === 'working') await tasks.publish(id);
    return settle(snapshot);
  } finally {
    context.signal?.removeEventListener('abort', onAbort);
    stopWatching();
  }
}

/** The result of a finished task, its error thrown, or a handle while it still works. */
export function settle(snapshot: TaskSnapshot): object {
  if (snapshot.state === 'completed') return snapshot.result ?? {};
  if (snapshot.state === 'working') return taskHandle(snapshot);
  const error = snapshot.error ?? { code: 'internal', message: `Task ended ${snapshot.state}.` };
  throw new OrchestratorError(error.code as OrchestratorError['code'], error.message, { ...('details' in error ? error.details : {}), task_id: snapshot.task_id, state: snapshot.state });
}

/** Forwards task progress to the client as MCP progress notifications, with a heartbeat while it is quiet. */
function watchProgress(tasks: TaskRegistry, id: string, context: ToolContext, activity: ProgressActivity | undefined): () => void {
  const onProgress = context.onProgress;
  if (!onProgress) return () => undefined;
  let count = 0;
  const send = (snapshot: TaskSnapshot) => {
    count += 1;
    const p = snapshot.progress;
    const doing = snapshot.state === 'working' ? activity?.describe(snapshot) : undefined;
    const text = `${p.message} (turns ${p.completed_turns}${p.total_turns !== null ? `/${p.total_turns}` : ''}, ${p.tokens} tokens)${doing !== undefined ? ` · ${doing}` : ''}`;
    onProgress({ progress: count, ...(p.total_turns !== null ? { total: Math.max(p.total_turns, count) } : {}), message: text });
  };
  const unsubscribe = tasks.subscribe(id, send);
  const unfollow =
    activity?.follow(
      () => tasks.local(id),
      () => {
        const snapshot = tasks.local(id);
        if (snapshot) send(snapshot);
      },
    ) ?? (() => undefined);
  const heartbeat = setInterval(() => {
    const snapshot = tasks.local(id);
    if (snapshot) send(snapshot);
  }, DEFAULTS.progressHeartbeatSeconds * 1000);
  heartbeat.unref();
  return () => {
    unsubscribe();
    unfollow();
    clearInterval(heartbeat);
  };
}
