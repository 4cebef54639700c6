import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { randomId, type IdGenerator } from '../domain/ids.js';
import type { StoredTask } from '../store/store.js';
import { nextParticipants } from './participant-progress.js';
import { abortMessage, notFound } from './task-errors.js';
import { fromStored, interrupted } from './task-records.js';
import { TaskStore, type TaskStoreOptions, type WrittenTask } from './task-store.js';
import type { ProgressReport, TaskKind, TaskSnapshot, TaskState } from './task-types.js';
import { readJournal, type JournalEntry } from './turn-journal.js';

export type { TaskPersistence } from './task-store.js';
export type { ParticipantProgress, ParticipantState, ProgressReport, TaskKind, TaskProgress, TaskSnapshot, TaskState } from './task-types.js';

type Work = (signal: AbortSignal, report: (update: ProgressReport) => void) => Promise<object>;

interface Task extends WrittenTask {
  readonly controller: AbortController;
  done: Promise<void>;
  /** How the task ends if its work stops because it was aborted. */
  interruptAs?: 'cancelled' | 'interrupted';
  readonly listeners: Set<(snapshot: TaskSnapshot) => void>;
}

/** With the store options of task-store.ts: where tasks are kept, this server's owner id, RESUME_INTERRUPTED. */
export interface TaskRegistryOptions extends TaskStoreOptions {
  readonly now?: () => number;
  readonly ids?: IdGenerator;
  /** Finished tasks kept for get_task; the oldest go first. */
  readonly keepFinished?: number;
  /** Told of every change of a task (progress, end): the orchestrator publishes it as an event. */
  readonly onChange?: (snapshot: TaskSnapshot) => void;
  /** Offered each working task of a gone server first (src/resume): resumed here, marked, taken by another server, or declined. */
  readonly takeOver?: (task: StoredTask) => Promise<'resumed' | 'interrupted' | 'taken' | 'declined'>;
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
  readonly #store: TaskStore;
  readonly #onChange: ((snapshot: TaskSnapshot) => void) | undefined;
  readonly #takeOver: TaskRegistryOptions['takeOver'];

  constructor(options: TaskRegistryOptions = {}) {
    this.#store = new TaskStore(options);
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? randomId;
    this.#keepFinished = options.keepFinished ?? 1000;
    this.#onChange = options.onChange;
    this.#takeOver = options.takeOver;
  }

  /**
   * `request` is the call that started the task (`{tool, arguments}`), kept so an interrupted task can be
   * retried. With `publish: false` the task is written to the store only once `publish` is called: a task
   * that ends while its caller waits never leaves this process (nobody else learns its id).
   */
  start(kind: TaskKind, label: string, work: Work, request: unknown = null, options: { readonly publish?: boolean } = {}): TaskSnapshot {
    const snapshot: TaskSnapshot = {
      task_id: this.#ids('task'),
      kind,
      state: 'working',
      label,
      progress: { message: 'started', completed_turns: 0, total_turns: null, tokens: 0, updated_at: this.#iso() },
      created_at: this.#iso(),
      finished_at: null,
    };
    return this.#run(snapshot, work, request, options.publish ?? true, [], 0);
  }

  /**
   * Runs a stored task again under its own id (src/resume: this server claimed it in the store), with the
   * turns it had finished; it ends like any task, so a client polling get_task sees it complete.
   */
  adopt(stored: StoredTask, work: Work): TaskSnapshot {
    const progress = stored.progress as { journal?: unknown; resumes?: unknown } | null;
    return this.#run(fromStored(stored), work, stored.request, true, readJournal(progress?.journal), typeof progress?.resumes === 'number' ? progress.resumes : 0);
  }

  #run(snapshot: TaskSnapshot, work: Work, request: unknown, published: boolean, journal: JournalEntry[], resumes: number): TaskSnapshot {
    const id = snapshot.task_id;
    const controller = new AbortController();
    const signal = controller.signal;
    const listeners = new Set<(snapshot: TaskSnapshot) => void>();
    const task: Task = { snapshot, request, controller, listeners, done: Promise.resolve(), saved: Promise.resolve(), published, journal, resumes };
    this.#tasks.set(id, task);
    this.#store.persist(task);

    const report = (update: ProgressReport) => {
      if (task.snapshot.state !== 'working') return;
      if (update.journal) task.journal.push(update.journal);
      const p = task.snapshot.progress;
      const participants = nextParticipants(p.participants, update);
      task.snapshot.progress = {
        message: update.message ?? p.message,
        completed_turns: update.completedTurns ?? p.completed_turns,
        total_turns: update.totalTurns ?? p.total_turns,
        tokens: p.tokens + (update.addTokens ?? 0),
        updated_at: this.#iso(),
        ...(participants ? { participants } : {}),
      };
      this.#store.persist(task);
      this.#emit(task);
    };
    task.done = work(signal, report).then(
      (result) => {
        // Work that stops cleanly on cancel (a coordination run returns what it finished) is still cancelled.
        const as = task.interruptAs ?? 'cancelled';
        if (controller.signal.aborted) this.#finish(task, as, { result, error: { code: as, message: abortMessage(controller.signal) } });
        else this.#finish(task, 'completed', { result });
      },
      (error: unknown) => {
        const failure = toOrchestratorError(error);
        const stopped = controller.signal.aborted || failure.code === 'cancelled';
        const as = task.interruptAs ?? 'cancelled';
        const details = !stopped && failure.details ? { details: failure.details } : {};
        this.#finish(task, stopped ? as : 'failed', { error: { code: stopped ? as : failure.code, message: failure.message, ...details } });
      },
    );
    return this.#copy(task);
  }

  /** Writes a task to the store from now on (its id is about to be handed out); resolves once it is written. */
  async publish(id: string): Promise<void> {
    const task = this.#task(id);
    if (task.published) return task.saved;
    task.published = true;
    this.#store.persist(task);
    await task.saved;
  }

  /** A task of this server, or one the store knows (another server's, or from before a restart). */
  async get(id: string): Promise<TaskSnapshot> {
    const local = this.local(id);
    if (local) return local;
    const stored = await this.#store.get(id);
    if (stored) return fromStored(stored);
    throw notFound(id, this.#keepFinished);
  }

  /**
   * This server's tasks in memory (the working ones and the last finished ones), newest first, optionally in
   * one state. Bounded by `keepFinished`, whatever the store holds.
   */
  list(state?: TaskState): TaskSnapshot[] {
    const all = [...this.#tasks.values()].filter((t) => state === undefined || t.snapshot.state === state);
    return all.reverse().map((t) => this.#copy(t));
  }

  /** The state the store holds for a task of this server in memory (undefined until a write of it finished). */
  writtenState(id: string): TaskState | undefined {
    return this.#tasks.get(id)?.written;
  }

  /** The snapshot of a task of this server, if it has it in memory. */
  local(id: string): TaskSnapshot | undefined {
    const task = this.#tasks.get(id);
    return task ? this.#copy(task) : undefined;
  }

  /** Resolves when every task working now has ended (shutdown lets them finish within its grace period). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#tasks.values()].filter((t) => t.snapshot.state === 'working').map((t) => t.done));
  }

  /** Waits until every task change so far is written to the store (before the store closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.#tasks.values()].map((t) => t.saved));
  }

  /** Resolves when the task ends or after `waitMs`, whichever is first; with an aborted signal, at once. */
  async wait(id: string, waitMs: number, signal?: AbortSignal): Promise<TaskSnapshot> {
    if (!this.#tasks.has(id)) return this.#waitStored(id, waitMs, signal);
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

  /**
   * Stops a working task and waits briefly for it to settle; a finished task is returned unchanged. With
   * `as: 'interrupted'` (shutdown) the task ends interrupted, to be retried, rather than cancelled.
   */
  async cancel(id: string, reason = 'Cancelled by request.', as: 'cancelled' | 'interrupted' = 'cancelled'): Promise<TaskSnapshot> {
    const task = this.#task(id);
    if (task.snapshot.state === 'working') {
      task.interruptAs = as;
      task.controller.abort(new OrchestratorError('cancelled', reason));
      await Promise.race([task.done, new Promise((r) => setTimeout(r, 5_000).unref())]);
      // Work that ignores its signal is still reported stopped: its result will not be used.
      if (task.snapshot.state === 'working') this.#finish(task, as, { error: { code: as, message: reason } });
    }
    return this.#copy(task);
  }

  /** Calls `listener` on every progress report and on the end of the task. */
  subscribe(id: string, listener: (snapshot: TaskSnapshot) => void): () => void {
    const task = this.#task(id);
    task.listeners.add(listener);
    return () => task.listeners.delete(listener);
  }

  /** Stops every working task (shutdown): they end interrupted, and can be retried on any server. */
  async interruptAll(reason: string): Promise<void> {
    await Promise.all([...this.#tasks.values()].filter((t) => t.snapshot.state === 'working').map((t) => this.cancel(t.snapshot.task_id, reason, 'interrupted')));
  }

  /** A task run by another server: poll the store until it ends or the wait is over. */
  async #waitStored(id: string, waitMs: number, signal?: AbortSignal): Promise<TaskSnapshot> {
    const deadline = Date.now() + waitMs;
    let snapshot = await this.get(id);
    while (snapshot.state === 'working' && Date.now() < deadline && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
      snapshot = await this.get(id);
    }
    return snapshot;
  }

  /** Marks the stored working tasks of owners that are gone as interrupted; returns their ids. */
  async interruptOrphans(tasks: readonly StoredTask[], isGone: (owner: string) => Promise<boolean>): Promise<string[]> {
    const ids: string[] = [];
    for (const t of tasks) {
      if (t.owner === this.#store.owner || !(await isGone(t.owner))) continue;
      const taken = (await this.#takeOver?.(t)) ?? 'declined';
      if (taken === 'declined') await this.#store.save(interrupted(t, this.#iso()));
      if (taken === 'declined' || taken === 'interrupted') ids.push(t.id);
    }
    return ids;
  }

  #finish(task: Task, state: TaskState, outcome: { result?: object; error?: NonNullable<TaskSnapshot['error']> }): void {
    if (task.snapshot.state !== 'working') return;
    task.snapshot = { ...task.snapshot, state, finished_at: this.#iso(), ...outcome };
    this.#store.persist(task);
    this.#emit(task);
    task.listeners.clear();
    this.#prune();
  }

  #emit(task: Task): void {
    const copy = this.#copy(task);
    this.#onChange?.(copy);
    for (const listener of task.listeners) listener(copy);
  }

  #prune(): void {
    const finished = [...this.#tasks.values()].filter((t) => t.snapshot.state !== 'working');
    for (const t of finished.slice(0, Math.max(0, finished.length - this.#keepFinished))) this.#tasks.delete(t.snapshot.task_id);
  }

  #task(id: string): Task {
    const task = this.#tasks.get(id);
    if (!task) throw notFound(id, this.#keepFinished);
    return task;
  }

  #copy(task: Task): TaskSnapshot {
    const progress = task.snapshot.progress;
    return { ...task.snapshot, progress: { ...progress, ...(progress.participants ? { participants: progress.participants.map((p) => ({ ...p })) } : {}) } };
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}
