import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { randomId, type IdGenerator } from '../domain/ids.js';

export type TaskState = 'working' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type TaskKind = 'send' | 'coordinate';

export interface TaskProgress {
  message: string;
  completed_turns: number;
  total_turns: number | null;
  tokens: number;
  updated_at: string;
}

/** What get_task returns: plain JSON. `result` is the tool's normal result once the task completed. */
export interface TaskSnapshot {
  task_id: string;
  kind: TaskKind;
  state: TaskState;
  label: string;
  progress: TaskProgress;
  created_at: string;
  finished_at: string | null;
  result?: object;
  error?: { code: string; message: string };
}

export interface ProgressReport {
  /** What just happened; absent to only add tokens. */
  readonly message?: string;
  readonly completedTurns?: number;
  readonly totalTurns?: number;
  /** Tokens used by this step, added to the task's running total. */
  readonly addTokens?: number;
}

type Work = (signal: AbortSignal, report: (update: ProgressReport) => void) => Promise<object>;

interface Task {
  snapshot: TaskSnapshot;
  readonly controller: AbortController;
  done: Promise<void>;
  readonly listeners: Set<(snapshot: TaskSnapshot) => void>;
}

export interface TaskRegistryOptions {
  readonly now?: () => number;
  readonly ids?: IdGenerator;
  /** Finished tasks kept for get_task; the oldest go first. */
  readonly keepFinished?: number;
}

/**
 * Long work (a turn, a coordination run) as a task: it runs in the background, reports progress, can be
 * awaited for a while, polled, or cancelled. Waiting resolves the moment the task ends, not at a poll tick.
 */
export class TaskRegistry {
  readonly #tasks = new Map<string, Task>();
  readonly #now: () => number;
  readonly #ids: IdGenerator;
  readonly #keepFinished: number;

  constructor(options: TaskRegistryOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? randomId;
    this.#keepFinished = options.keepFinished ?? 1000;
  }

  start(kind: TaskKind, label: string, work: Work, parentSignal?: AbortSignal): TaskSnapshot {
    const id = this.#ids('task');
    const controller = new AbortController();
    const signal = parentSignal ? AbortSignal.any([controller.signal, parentSignal]) : controller.signal;
    const listeners = new Set<(snapshot: TaskSnapshot) => void>();
    const snapshot: TaskSnapshot = {
      task_id: id,
      kind,
      state: 'working',
      label,
      progress: { message: 'started', completed_turns: 0, total_turns: null, tokens: 0, updated_at: this.#iso() },
      created_at: this.#iso(),
      finished_at: null,
    };
    const task: Task = { snapshot, controller, listeners, done: Promise.resolve() };
    this.#tasks.set(id, task);

    const report = (update: ProgressReport) => {
      if (task.snapshot.state !== 'working') return;
      const p = task.snapshot.progress;
      task.snapshot.progress = {
        message: update.message ?? p.message,
        completed_turns: update.completedTurns ?? p.completed_turns,
        total_turns: update.totalTurns ?? p.total_turns,
        tokens: p.tokens + (update.addTokens ?? 0),
        updated_at: this.#iso(),
      };
      this.#emit(task);
    };
    task.done = work(signal, report).then(
      (result) => {
        // Work that stops cleanly on cancel (a coordination run returns what it finished) is still cancelled.
        if (controller.signal.aborted) this.#finish(task, 'cancelled', { result, error: { code: 'cancelled', message: abortMessage(controller.signal) } });
        else this.#finish(task, 'completed', { result });
      },
      (error: unknown) => {
        const failure = toOrchestratorError(error);
        const cancelled = controller.signal.aborted || failure.code === 'cancelled';
        this.#finish(task, cancelled ? 'cancelled' : 'failed', { error: { code: failure.code, message: failure.message } });
      },
    );
    return this.#copy(task);
  }

  get(id: string): TaskSnapshot {
    return this.#copy(this.#task(id));
  }

  /** Resolves when the task ends or after `waitMs`, whichever is first; with an aborted signal, at once. */
  async wait(id: string, waitMs: number, signal?: AbortSignal): Promise<TaskSnapshot> {
    const task = this.#task(id);
    if (task.snapshot.state === 'working' && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(waitMs) ? setTimeout(finish, waitMs) : undefined;
        function finish() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', finish);
          resolve();
        }
        signal?.addEventListener('abort', finish, { once: true });
        if (signal?.aborted) finish();
        void task.done.then(finish);
      });
    }
    return this.#copy(task);
  }

  /** Stops a working task and waits briefly for it to settle; a finished task is returned unchanged. */
  async cancel(id: string, reason = 'Cancelled by request.'): Promise<TaskSnapshot> {
    const task = this.#task(id);
    if (task.snapshot.state === 'working') {
      task.controller.abort(new OrchestratorError('cancelled', reason));
      await Promise.race([task.done, new Promise((r) => setTimeout(r, 5_000).unref())]);
      // Work that ignores its signal is still reported cancelled: its result will not be used.
      if (task.snapshot.state === 'working') this.#finish(task, 'cancelled', { error: { code: 'cancelled', message: reason } });
    }
    return this.#copy(task);
  }

  /** Calls `listener` on every progress report and on the end of the task. */
  subscribe(id: string, listener: (snapshot: TaskSnapshot) => void): () => void {
    const task = this.#task(id);
    task.listeners.add(listener);
    return () => task.listeners.delete(listener);
  }

  /** Cancels every working task (shutdown). */
  async cancelAll(reason: string): Promise<void> {
    await Promise.all([...this.#tasks.values()].filter((t) => t.snapshot.state === 'working').map((t) => this.cancel(t.snapshot.task_id, reason)));
  }

  #finish(task: Task, state: TaskState, outcome: { result?: object; error?: { code: string; message: string } }): void {
    if (task.snapshot.state !== 'working') return;
    task.snapshot = { ...task.snapshot, state, finished_at: this.#iso(), ...outcome };
    this.#emit(task);
    task.listeners.clear();
    this.#prune();
  }

  #emit(task: Task): void {
    const copy = this.#copy(task);
    for (const listener of task.listeners) listener(copy);
  }

  #prune(): void {
    const finished = [...this.#tasks.values()].filter((t) => t.snapshot.state !== 'working');
    for (const t of finished.slice(0, Math.max(0, finished.length - this.#keepFinished))) this.#tasks.delete(t.snapshot.task_id);
  }

  #task(id: string): Task {
    const task = this.#tasks.get(id);
    if (!task) throw new OrchestratorError('not_found', `Task not found: ${JSON.stringify(id)}. Finished tasks are kept for the last ${this.#keepFinished} tasks.`);
    return task;
  }

  #copy(task: Task): TaskSnapshot {
    return { ...task.snapshot, progress: { ...task.snapshot.progress } };
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}

function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'Cancelled.';
}
