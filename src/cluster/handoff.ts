import { sleep } from '../async/sleep.js';
import { OrchestratorError, toOrchestratorError, type ErrorCode } from '../domain/errors.js';
import type { SendInput } from '../domain/inputs.js';
import type { Logger } from '../observability/logger.js';
import { nodeIsGone, unavailableError } from '../orchestrator/nodes.js';
import type { SendResult } from '../orchestrator/results.js';
import type { Owner } from '../store/owner.js';
import type { Store } from '../store/store.js';
import { DEFAULTS } from '../config/defaults.js';
import { QUEUE_PREFIX, queueNameOf, type JobQueue, type JobSnapshot } from './job-queue.js';

/** A send handed to another node: the message, and when the caller stops waiting for it (epoch ms). */
export interface HandoffJob {
  readonly input: { readonly instance_id: string; readonly message: string };
  readonly deadline: number;
  /** The caller's node, for the owner's log. */
  readonly from: string;
}

export interface HandoffDeps {
  readonly queue: JobQueue;
  readonly self: Owner;
  readonly store: Pick<Store, 'getOwner' | 'listOwners'>;
  readonly log: Logger;
  readonly now: () => number;
  /** NODE_DEAD_SECONDS, in ms: how a waiting caller judges the owner node gone. */
  readonly deadMs: number;
  /** Runs a send on this node: the owner's side of a hand-off. */
  readonly runLocal: (input: SendInput, signal: AbortSignal) => Promise<SendResult>;
  /** How often a caller reads its job, and the owner looks for new jobs and for cancelled ones (default 100 ms / 250 ms). */
  readonly pollMs?: number;
  readonly workPollMs?: number;
}

export interface HandoffOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly onProgress?: (message: string) => void;
}

/** Handed-off turns one node runs at once (more wait in its queue, each bounded by its caller's deadline). */
const MAX_RUNNING = 32;
/** How long an active job may outlive its caller's deadline before pg-boss fails it (the owner's last writes). */
const EXPIRY_SLACK_SECONDS = 60;
/** How often a waiting caller checks that the owner node is still alive. */
const LIVENESS_MS = 1_000;
const MAX_NODES_LISTED = DEFAULTS.maxNodesListed;

/**
 * Sends to a claude-code instance across nodes, through a pg-boss queue per node. The caller queues a job on
 * the owner node's queue and waits for it to end (reading it every `pollMs`); the owner takes it, runs the
 * turn as a local send, and completes the job with the SendResult or fails it with the error's code and
 * message, which the caller returns or throws as a local send would. A job runs at most once (no retry). A
 * caller that stops waiting (cancel, disconnect, timeout) cancels the job; the owner, watching the jobs it
 * runs, aborts the turn. A caller whose owner node is gone cancels its job and fails at once: `unavailable`,
 * or `interrupted` when the turn had started there.
 */
export class Handoff {
  readonly #d: HandoffDeps;
  readonly #queueName: string;
  readonly #running = new Map<string, AbortController>();
  readonly #stopping = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  readonly #writes = new Set<Promise<unknown>>();

  private constructor(deps: HandoffDeps) {
    this.#d = deps;
    this.#queueName = queueNameOf(deps.self.id);
  }

  /** Creates this node's queue and starts working it; removes the queues of nodes that are gone (each start of a node has its own). */
  static async start(deps: HandoffDeps): Promise<Handoff> {
    const handoff = new Handoff(deps);
    await deps.queue.createQueue(handoff.#queueName);
    await handoff.removeGoneQueues();
    handoff.#loop = handoff.#work();
    return handoff;
  }

  /** The send, run on `node` (a live node hosting the instance); resolves or fails as a local send would. */
  async send(node: Owner, input: SendInput, options: HandoffOptions): Promise<SendResult> {
    const d = this.#d;
    const name = queueNameOf(node.id);
    const job: HandoffJob = { input: { instance_id: input.instance_id, message: input.message }, deadline: d.now() + options.timeoutMs, from: d.self.id };
    let id: string;
    try {
      id = await d.queue.send(name, job, options.timeoutMs / 1000 + EXPIRY_SLACK_SECONDS);
    } catch (error) {
      throw new OrchestratorError('unavailable', `Instance ${input.instance_id} runs on node ${node.id}, whose job queue could not take this send: ${toOrchestratorError(error).message}`, {
        instance_id: input.instance_id,
        node: node.id,
      });
    }
    options.onProgress?.(`handed to node ${node.id}`);
    let started = false;
    let checked = d.now();
    try {
      for (;;) {
        await sleep(d.pollMs ?? 100, options.signal);
        const current = await d.queue.get<HandoffJob>(name, id);
        // Its queue was removed: the node stopped (or was found gone by a node that started since).
        if (current === null) throw await this.#gone(node, input.instance_id, started);
        if (current.state === 'completed') return current.output as SendResult;
        if (current.state === 'failed') throw failureOf(current);
        if (current.state === 'cancelled') throw new OrchestratorError('cancelled', `The send to instance ${input.instance_id} on node ${node.id} was cancelled.`);
        if (current.state === 'active' && !started) {
          started = true;
          options.onProgress?.(`running on node ${node.id}`);
        }
        if (d.now() - checked >= LIVENESS_MS) {
          checked = d.now();
          const owner = await d.store.getOwner(node.id);
          if (owner === undefined || nodeIsGone(owner, d.self.host, d.now(), d.deadMs)) {
            await d.queue.cancel(name, id).catch(() => undefined);
            throw await this.#gone(owner ?? node, input.instance_id, started);
          }
        }
      }
    } catch (error) {
      // The caller stopped waiting (cancel, disconnect, timeout): the owner aborts the turn when it sees this.
      if (options.signal.aborted) await d.queue.cancel(name, id).catch(() => undefined);
      throw error;
    }
  }

  /** The error of a send whose owner node went away: before its turn started there, or during it. */
  async #gone(node: Owner, instanceId: string, started: boolean): Promise<OrchestratorError> {
    const known = (await this.#d.store.getOwner(node.id).catch(() => undefined)) ?? node;
    return started ? interruptedError(instanceId, known) : unavailableError(instanceId, known);
  }

  /**
   * Removes the queues of nodes that are gone or no longer recorded, with their jobs: callers waiting on one fail
   * at once (unavailable, or interrupted if its turn had started). Run at start (a node's queue is named for its
   * owner id, new at every start) and when the node sweep finds nodes dead. Bounded by the nodes, never by
   * instances or jobs; a failure (another node removing the same queue) is only logged.
   */
  async removeGoneQueues(): Promise<void> {
    await this.#prune().catch((error: unknown) => this.#d.log.warn({ err: toOrchestratorError(error).message }, 'could not remove the job queues of stopped nodes'));
  }

  async #prune(): Promise<void> {
    const d = this.#d;
    const live = new Set(
      (await d.store.listOwners(MAX_NODES_LISTED)).filter((n) => n.id === d.self.id || !nodeIsGone(n, d.self.host, d.now(), d.deadMs)).map((n) => queueNameOf(n.id)),
    );
    for (const name of await d.queue.queueNames()) {
      if (name.startsWith(QUEUE_PREFIX) && !live.has(name)) await d.queue.deleteQueue(name);
    }
  }

  /** Takes no more jobs (a node shutting down): they wait in its queue until their callers see it gone. */
  async drain(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
  }

  /** Stops taking jobs, waits for the jobs this node runs to be written back (their turns end with the orchestrator's), and closes the queue. */
  async stop(): Promise<void> {
    await this.drain();
    // The orchestrator ended its turns first; any still running (a runner that outlived it) is stopped here.
    for (const controller of this.#running.values()) controller.abort(new OrchestratorError('cancelled', 'The node is shutting down.'));
    await Promise.allSettled([...this.#writes]);
    await this.#d.queue.stop();
  }

  async #work(): Promise<void> {
    const d = this.#d;
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      try {
        const room = MAX_RUNNING - this.#running.size;
        const jobs = room > 0 ? await d.queue.fetch<HandoffJob>(this.#queueName, room) : [];
        for (const job of jobs) this.#track(this.#run(job));
        if (this.#running.size > 0) await this.#abortCancelled();
      } catch (error) {
        d.log.warn({ err: toOrchestratorError(error).message }, 'reading the job queue failed');
      }
      await sleep(d.workPollMs ?? 250, signal).catch(() => undefined);
    }
  }

  /** Runs a job taken from this node's queue as a local send, and writes its end back. */
  async #run(job: JobSnapshot<HandoffJob>): Promise<void> {
    const d = this.#d;
    const controller = new AbortController();
    this.#running.set(job.id, controller);
    const remainingMs = job.data.deadline - d.now();
    try {
      if (remainingMs <= 0) throw new OrchestratorError('timeout', `The send to instance ${job.data.input.instance_id} waited past its deadline in this node's queue.`);
      d.log.info({ instanceId: job.data.input.instance_id, from: job.data.from, job: job.id }, 'running a send handed over by another node');
      const result = await d.runLocal({ ...job.data.input, timeout_seconds: Math.min(3600, remainingMs / 1000) }, controller.signal);
      await d.queue.complete(this.#queueName, job.id, result);
    } catch (error) {
      const failure = toOrchestratorError(error);
      await d.queue
        .fail(this.#queueName, job.id, { code: failure.code, message: failure.message, details: failure.details ?? null })
        .catch((e: unknown) => d.log.warn({ job: job.id, err: toOrchestratorError(e).message }, 'could not fail a handed-over send'));
    } finally {
      this.#running.delete(job.id);
    }
  }

  /** Aborts the turns whose callers cancelled their jobs (one read per running job). */
  async #abortCancelled(): Promise<void> {
    for (const [id, controller] of this.#running) {
      const job = await this.#d.queue.get(this.#queueName, id);
      if (job?.state === 'cancelled') controller.abort(new OrchestratorError('cancelled', 'The caller on another node stopped waiting for this send.'));
    }
  }

  #track(work: Promise<void>): void {
    this.#writes.add(work);
    void work.finally(() => this.#writes.delete(work));
  }
}

/** The error a failed job carries: the owner's code and message, or pg-boss's own (an expired job). */
function failureOf(job: JobSnapshot): OrchestratorError {
  const out = (job.output ?? {}) as { code?: ErrorCode; message?: string; details?: Record<string, unknown> | null; value?: { message?: string } };
  if (out.code && out.message) return new OrchestratorError(out.code, out.message, out.details ?? undefined);
  return new OrchestratorError('interrupted', `The send handed to another node failed: ${out.value?.message ?? out.message ?? 'no reason given'}.`);
}

function interruptedError(instanceId: string, node: Pick<Owner, 'id'> & Partial<Owner>): OrchestratorError {
  return new OrchestratorError(
    'interrupted',
    `Node ${node.id}, running this turn of instance ${instanceId}, stopped before the reply: the turn was interrupted (its message is kept, marked failed). ` +
      'The instance is unavailable until that node returns.',
    { instance_id: instanceId, node: node.id, address: node.address ?? null },
  );
}
