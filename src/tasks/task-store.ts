import type { StoredTask } from '../store/store.js';
import { toStored } from './task-records.js';
import type { TaskSnapshot, TaskState } from './task-types.js';
import type { JournalEntry } from './turn-journal.js';

/** Where tasks are kept beyond this process (the store), so other servers and later runs can read them. */
export interface TaskPersistence {
  saveTask(task: StoredTask): Promise<void>;
  getTask(id: string): Promise<StoredTask | undefined>;
}

export interface TaskStoreOptions {
  readonly store?: TaskPersistence;
  /** This server's owner id, recorded with each task. */
  readonly owner?: string;
  /** Told when a task could not be written to the store (it still runs; other servers won't see the change). */
  readonly onPersistError?: (error: unknown, taskId: string) => void;
  /** RESUME_INTERRUPTED: tasks interrupted by a shutdown are stored as to be resumed by the next server. */
  readonly resumeInterrupted?: boolean;
}

/** What the store keeps of a task of this server, and where its writes stand. */
export interface WrittenTask {
  snapshot: TaskSnapshot;
  /** The call that started it (`{tool, arguments}`), stored so an interrupted task can be retried. */
  readonly request: unknown;
  /** The last write of this task to the store: writes of one task go in order. */
  saved: Promise<void>;
  /** Whether the store keeps this task (once anyone but its caller may ask for it). */
  published: boolean;
  /** The state the store holds for this task, once a write of it has finished. */
  written?: TaskState;
  /** Its finished turns (a coordination run), stored with it for a resume. */
  readonly journal: JournalEntry[];
  /** How many times it was resumed. */
  readonly resumes: number;
}

/** The task registry's side of the store: writes of this server's tasks (in order, once published) and reads of any. */
export class TaskStore {
  readonly #store: TaskPersistence | undefined;
  /** This server's owner id, recorded with each task. */
  readonly owner: string;
  readonly #onPersistError: (error: unknown, taskId: string) => void;
  readonly #resumeInterrupted: boolean;

  constructor(options: TaskStoreOptions) {
    this.#store = options.store;
    this.owner = options.owner ?? 'local';
    this.#onPersistError = options.onPersistError ?? ((error, taskId) => process.emitWarning(`Task ${taskId} could not be saved: ${(error as Error).message}`));
    this.#resumeInterrupted = options.resumeInterrupted ?? false;
  }

  /** Queues a write of the task as it is now, after its earlier writes; nothing while it is unpublished. */
  persist(task: WrittenTask): void {
    const store = this.#store;
    if (!store || !task.published) return;
    const s = task.snapshot;
    const stored = toStored(s, this.owner, task.request, { journal: task.journal, resumes: task.resumes, resumePending: this.#resumeInterrupted && s.state === 'interrupted' });
    task.saved = task.saved
      .then(() => store.saveTask(stored))
      .then(() => {
        task.written = s.state;
      })
      .catch((error: unknown) => this.#onPersistError(error, s.task_id));
  }

  /** A task the store knows (any server's); undefined without a store. */
  async get(id: string): Promise<StoredTask | undefined> {
    return this.#store?.getTask(id);
  }

  /** Writes a stored task (of another server) as it is given. */
  async save(task: StoredTask): Promise<void> {
    await this.#store?.saveTask(task);
  }
}
