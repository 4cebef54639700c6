import { toOrchestratorError } from '../domain/errors.js';
import type { Kernel } from '../orchestrator/kernel.js';
import type { StoredTask } from '../store/store.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { interrupted } from '../tasks/task-records.js';
import { readJournal } from '../tasks/turn-journal.js';
import { claimTask, markTask, resumesOf } from './claim.js';
import { resumeWork, storedCall, type ResumeOps } from './resume-work.js';
import { sendStarted } from './send-started.js';

/** Interrupted tasks looked at per start-up (newest first): an index range, however many are stored. */
const BATCH = 500;
/** A task resumed this often that stopped its server again is left interrupted: it may be what stops it. */
export const MAX_RESUMES = 3;

type Call = NonNullable<ReturnType<typeof storedCall>>;

/**
 * Runs that resume (RESUME_INTERRUPTED, on by default): a coordination, or a send that had not begun its turn,
 * left by a server that stopped (a crash: still `working` for a server that is gone; a restart: `interrupted`
 * and marked to resume) is taken over by one server, in a transaction, and runs again under the same task
 * id: the turns it had finished are reused, the rest run. Anything else is marked interrupted, as before.
 */
export class Resumer {
  readonly #k: Kernel;
  readonly #tasks: () => TaskRegistry;
  readonly #ops: ResumeOps;

  constructor(k: Kernel, tasks: () => TaskRegistry, ops: ResumeOps) {
    this.#k = k;
    this.#tasks = tasks;
    this.#ops = ops;
  }

  get enabled(): boolean {
    return this.#k.config.resumeInterrupted;
  }

  /** A working task of a server that is gone (recovery): resumed here, marked interrupted, or already taken by another server. */
  async takeOver(task: StoredTask): Promise<'resumed' | 'interrupted' | 'taken' | 'declined'> {
    if (!this.enabled) return 'declined';
    const stillOrphaned = (c: StoredTask) => c.state === 'working' && c.owner === task.owner;
    const call = await this.#resumable(task);
    if (call) {
      const claimed = await claimTask(this.#k.store, task.id, this.#k.owner.id, this.#iso(), stillOrphaned);
      if (!claimed) return 'taken';
      this.#start(claimed, call);
      return 'resumed';
    }
    return (await markTask(this.#k.store, task.id, stillOrphaned, (c) => interrupted(c, this.#iso()))) ? 'interrupted' : 'taken';
  }

  /** Tasks a stopping server ended `interrupted` and marked to resume (start-up, and when a node stopped); returns the ids resumed here. */
  async resumeInterrupted(): Promise<string[]> {
    if (!this.enabled) return [];
    const resumed: string[] = [];
    for (const task of await this.#k.store.listTasks('interrupted', BATCH)) {
      if (!isPending(task)) continue;
      const call = await this.#resumable(task);
      if (call) {
        const claimed = await claimTask(this.#k.store, task.id, this.#k.owner.id, this.#iso(), isPending);
        if (!claimed) continue;
        this.#start(claimed, call);
        resumed.push(task.id);
      } else {
        // Not to be run again (its turn had begun): it stays interrupted, and is not looked at again.
        await markTask(this.#k.store, task.id, isPending, (c) => ({ ...c, progress: withoutPending(c.progress) }));
      }
    }
    return resumed;
  }

  /** The call to run again, if this task may be: a coordination always, a send only if its turn had not begun. */
  async #resumable(task: StoredTask): Promise<Call | undefined> {
    const call = storedCall(task.request);
    if (!call || resumesOf(task) >= MAX_RESUMES) return undefined;
    if (call.tool === 'coordinate_instances') return call;
    const { instance_id: instanceId, message } = call.arguments;
    if (typeof instanceId !== 'string' || typeof message !== 'string') return undefined;
    try {
      return (await sendStarted(this.#k.store, task, instanceId, message)) ? undefined : call;
    } catch (error) {
      this.#k.log.warn({ taskId: task.id, err: toOrchestratorError(error).message }, 'could not tell whether an interrupted send had begun; not resuming it');
      return undefined;
    }
  }

  #start(claimed: StoredTask, call: Call): void {
    const journal = readJournal((claimed.progress as { journal?: unknown }).journal);
    this.#tasks().adopt(claimed, resumeWork(this.#ops, call, journal));
    const at = this.#iso();
    this.#k.events.publish({ type: 'task.resumed', at, taskId: claimed.id, kind: claimed.kind, reusedTurns: journal.length });
    this.#k.log.warn({ taskId: claimed.id, tool: call.tool, reusedTurns: journal.length, previousOwner: claimed.owner }, 'resumed a task left by a server that stopped');
  }

  #iso(): string {
    return new Date(this.#k.clock.now()).toISOString();
  }
}

function isPending(task: StoredTask): boolean {
  return task.state === 'interrupted' && (task.progress as { resume_pending?: unknown } | null)?.resume_pending === true;
}

function withoutPending(progress: unknown): unknown {
  const { resume_pending: _pending, ...rest } = (progress ?? {}) as Record<string, unknown>;
  return rest;
}
