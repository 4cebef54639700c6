import { storePath, type Config } from '../config/load-config.js';
import type { Handoff } from '../cluster/handoff.js';
import { isPostgresUrl } from '../store/store-location.js';
import { shuttingDownError, toOrchestratorError } from '../domain/errors.js';
import type { CoordinateInput, InstanceRef, ListInput, OutputInput, SendInput, SpawnInput } from '../domain/inputs.js';
import type { Logger } from '../observability/logger.js';
import type { StoreCounters } from '../store/store.js';
import { Resumer } from '../resume/resumer.js';
import { listTasks, type ListTasksInput, type TaskList } from '../tasks/list-tasks.js';
import type { TaskRegistry, ProgressReport } from '../tasks/task-registry.js';
import type { ActivityTracker } from '../liveness/activity-tracker.js';
import { buildKernel, type OrchestratorDeps } from './build-kernel.js';
import { prepareCoordination, runPlan, type CoordinationPlan, type RunOptions } from './coordination-request.js';
import type { TeamAccess } from './coordination-port.js';
import { delegationExecutor, type DelegationPort } from './delegation.js';
import { EventBus } from './events.js';
import { enforceLifetimes, healthCheck, recover, type HealthReport } from './health.js';
import { NodeWatch, type NodeSweep } from './node-watch.js';
import { orchestratorTasks } from './orchestrator-tasks.js';
import { advertisedAddress } from './nodes.js';
import type { Kernel } from './kernel.js';
import { childViews, findInstance, globalLimits, instanceOutput, instanceStatus, listInstances, totals } from './queries.js';
import type { Recovered } from './recovery.js';
import type { GlobalLimits, GlobalTotals, ListResult, OutputResult, SendResult, SpawnResult, TerminateResult } from './results.js';
import { shutDown } from './shutdown.js';
import { spawnInstance } from './spawn.js';
import { terminateInstance } from './terminate.js';
import { Turns, type SendOptions } from './turn.js';
import type { Approvals } from '../approvals/approvals.js';
import type { InstanceView } from './views.js';

export type { GlobalLimits, GlobalTotals, ListResult, OutputResult, SendResult, SpawnResult, TerminateResult } from './results.js';
export type { CoordinationPlan } from './coordination-request.js';
export type { Clock } from './kernel.js';
export type { SendOptions } from './turn.js';
export type { OrchestratorDeps } from './build-kernel.js';

/**
 * The wiring: builds the kernel's parts once and hands each operation to the module that does it (spawn,
 * turn, terminate, health, queries, coordination). Every public method validates its input (it is a boundary
 * for library users) and returns plain JSON views. Subscribe to `events` to watch everything happen.
 */
export class Orchestrator {
  /** Background work (turns and coordination runs) that callers can wait for, poll or cancel. */
  readonly tasks: TaskRegistry;
  /** Every state change, turn, model call, retry and task update, after it is committed. */
  readonly events: EventBus;
  /** The logger it was built with: parts around it (the tool registry) report there. */
  readonly logger: Logger;
  readonly #k: Kernel;

  /** What each instance does now, for the turns this server runs (progress notifications read it). */
  get activity(): ActivityTracker {
    return this.#k.activity;
  }
  readonly #turns: Turns;
  readonly #shutdown = new AbortController();
  #started: Promise<void>;
  readonly #sweep: NodeJS.Timeout;
  readonly #nodes: NodeWatch;
  /** Takes over tasks left by servers that stopped and runs them again (RESUME_INTERRUPTED). */
  readonly #resumer: Resumer;
  /** Sends to claude-code instances hosted by other nodes, through pg-boss (a PostgreSQL store only). */
  #handoff: Handoff | undefined;
  #closed = false;

  constructor(deps: OrchestratorDeps) {
    const log = deps.logger;
    this.logger = log;
    this.events = new EventBus((error, event) => log.error({ err: toOrchestratorError(error).message, event: event.type }, 'event listener failed'));
    this.#k = buildKernel(deps, this.events, this.#shutdown.signal);
    this.#resumer = new Resumer(this.#k, () => this.tasks, this);
    this.tasks = orchestratorTasks(this.#k, (task) => this.#resumer.takeOver(task));
    this.#turns = new Turns(
      this.#k,
      (record) => delegationExecutor(this.#delegationPort, record),
      () => this.#handoff,
    );
    // Nodes found dead: their leases, holds and tasks taken back, and their job queues removed (callers waiting on them fail at once).
    this.#nodes = new NodeWatch(this.#k, async () => {
      await recover(this.#k, this.tasks, this.#running);
      await this.#resumer.resumeInterrupted();
      await this.#handoff?.removeGoneQueues();
    });
    // Registered before any lease or hold is taken, so other servers can tell when this one is gone. The first
    // sweep of the nodes takes back what dead ones left (and a restarted node's claude-code instances).
    this.#started = this.#startUp();
    this.#sweep = setInterval(() => {
      this.healthCheck().catch((error: unknown) => log.error({ err: toOrchestratorError(error).message }, 'health check failed'));
    }, deps.config.healthCheckIntervalSeconds * 1000);
    this.#sweep.unref();
  }

  /** Resolves once start-up is done: this server is registered on the store and has taken back what dead servers left. */
  ready(): Promise<void> {
    return this.#whenStarted();
  }

  /** Registers this server (a node) on the store, then takes back what dead ones left. */
  #startUp(): Promise<void> {
    const attempt = this.#k.store.transaction((tx) => tx.registerOwner(this.#k.owner)).then(async () => {
      await this.#startHandoff(this.#k.config);
      if ((await this.#nodes.sweep()).dead.length === 0) await recover(this.#k, this.tasks, this.#running);
      await this.#resumer.resumeInterrupted();
      this.#nodes.start();
    });
    attempt.catch((error: unknown) => this.#k.log.error({ err: toOrchestratorError(error).message }, 'start-up failed; the next operation tries again'));
    return attempt;
  }

  /**
   * Start-up, done once; when it failed (the database was down, say), the next caller starts it again, so a
   * server that started before its database works once the database is back.
   */
  #whenStarted(): Promise<void> {
    // Past the grace period the store is about to close: reads are refused as cleanly as new work.
    if (this.#shutdown.signal.aborted) return Promise.reject(shuttingDownError());
    const current = this.#started;
    return current.catch(() => {
      if (this.#closed) throw shuttingDownError();
      if (this.#started === current) this.#started = this.#startUp();
      return this.#started;
    });
  }

  /** Starts a new instance: a workspace, a record, a backend session. */
  async spawnInstance(raw: SpawnInput): Promise<SpawnResult> {
    await this.#open();
    return spawnInstance(this.#k, raw);
  }

  /** One conversational turn: the instance sees its whole history plus this message. */
  async sendToInstance(raw: SendInput, options: SendOptions = {}): Promise<SendResult> {
    await this.#open();
    return this.#turns.send(raw, options);
  }

  /** Validates a send without running it, so bad input fails at once rather than inside a background task. */
  async prepareSend(raw: SendInput): Promise<SendInput> {
    await this.#open();
    return this.#turns.prepare(raw);
  }

  /** Validates a coordination request: every id known and live, no duplicates, a coordinator where needed. */
  async prepareCoordination(raw: CoordinateInput): Promise<CoordinationPlan> {
    await this.#open();
    return prepareCoordination(this.#k, raw);
  }

  /** Validates and runs a coordination to the end (the library's one-call form of coordinate_instances). */
  async coordinateInstances(raw: CoordinateInput, options: { signal?: AbortSignal; report?: (update: ProgressReport) => void } = {}): Promise<object> {
    return this.runCoordination(await this.prepareCoordination(raw), options);
  }

  /** Runs a prepared coordination; aborted by `signal`, its own timeout, or shutdown. */
  async runCoordination(plan: CoordinationPlan, options: RunOptions = {}): Promise<object> {
    return runPlan(this.#k, this.#team, plan, options);
  }

  /** The conversation, oldest first, paged. */
  async getInstanceOutput(raw: OutputInput): Promise<OutputResult> {
    await this.#whenStarted();
    return instanceOutput(this.#k, raw);
  }

  async getInstanceStatus(raw: InstanceRef): Promise<InstanceView> {
    await this.#whenStarted();
    const view = await instanceStatus(this.#k, raw);
    const pending = await this.#k.approvals.pending(view.instance_id);
    return pending.length > 0 ? { ...view, pending_approvals: pending } : view;
  }

  /** Permission asks of claude-code agents: list the pending ones, answer one (from any node sharing the store). */
  get approvals(): Pick<Approvals, 'pending' | 'answer'> {
    return this.#k.approvals;
  }

  async listInstances(raw: ListInput = {}): Promise<ListResult> {
    await this.#whenStarted();
    return listInstances(this.#k, raw);
  }

  async totals(): Promise<GlobalTotals> {
    await this.#whenStarted();
    return totals(this.#k);
  }

  /** The store's counters of everything that happened (for /metrics): one small read, however much is stored. */
  async counters(): Promise<StoreCounters> {
    await this.#whenStarted();
    return this.#k.store.counters();
  }

  /** Tasks, newest first: this server's and, from the store, other servers' in the asked state (working by default). */
  async listTasks(raw: ListTasksInput = {}): Promise<TaskList> {
    await this.#whenStarted();
    return listTasks(this.tasks, this.#k.store, raw);
  }

  /** The limits the budgets are held against (for dashboards: use against them is in totals() and each instance). */
  limits(): GlobalLimits {
    return globalLimits(this.#k);
  }

  /** Ends an instance and, first, its live children. Terminating an ended instance is an `invalid_state` error. */
  async terminateInstance(raw: InstanceRef): Promise<TerminateResult> {
    await this.#open();
    return terminateInstance(this.#k, raw);
  }

  /** Takes back what servers that are gone left on the store (see recovery.ts). Runs at start and in every health check. */
  async recover(): Promise<Recovered> {
    await this.#whenStarted();
    return recover(this.#k, this.tasks, this.#running);
  }

  /** Recovery, backend checks, lifetimes and retention (see health.ts); runs every HEALTH_CHECK_INTERVAL_SECONDS. */
  async healthCheck(): Promise<HealthReport> {
    await this.#whenStarted();
    return healthCheck(this.#k, this.tasks, this.#running);
  }

  /** This node's heartbeat, then the nodes that stopped (see node-watch.ts); runs every NODE_HEARTBEAT_SECONDS. */
  async sweepNodes(): Promise<NodeSweep> {
    await this.#whenStarted();
    return this.#nodes.sweep();
  }

  /** Tells the other nodes where this one serves HTTP: NODE_ADDRESS, else `listenUrl` (the server calls it once it listens). */
  async announceAddress(listenUrl: string): Promise<void> {
    await this.#open();
    await this.#nodes.announce(advertisedAddress(listenUrl, this.#k.config.nodeAddress));
  }

  /** This node: its owner id, the host it runs on, and the address it announced (null until then, or without HTTP). */
  node(): { readonly id: string; readonly host: string; readonly address: string | null } {
    return { id: this.#k.owner.id, host: this.#k.owner.host, address: this.#nodes.address };
  }

  /** Terminates idle instances whose lifetime ran out (busy ones are bounded by their turn). */
  async enforceLimits(): Promise<string[]> {
    await this.#whenStarted();
    return enforceLifetimes(this.#k, this.#running);
  }

  /**
   * Stops: refuses new work, lets running turns finish for up to `graceMs`, then cancels the rest (their
   * messages stay, marked interrupted), ends running tasks as `interrupted`, closes sessions and the store.
   * Instances are not terminated: any server on this store can continue them.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    await this.#started.catch(() => undefined);
    await shutDown({ k: this.#k, turns: this.#turns, tasks: this.tasks, handoff: () => this.#handoff, nodes: this.#nodes, abort: (reason) => this.#shutdown.abort(reason) }, options.graceMs ?? 0);
  }

  readonly #running = (id: string): boolean => this.#k.queue.busy(id);

  /** On a PostgreSQL store, this node's queue of sends handed over by other nodes (pg-boss, loaded only here). */
  async #startHandoff(config: Config): Promise<void> {
    const url = storePath(config);
    // Started once (a start-up tried again after a failure keeps the hand-off it already has).
    if (!isPostgresUrl(url) || this.#handoff) return;
    const { startHandoff } = await import('../cluster/start-handoff.js');
    const k = this.#k;
    this.#handoff = await startHandoff(url, {
      self: k.owner,
      store: k.store,
      log: k.log,
      now: () => k.clock.now(),
      deadMs: config.nodeDeadSeconds * 1000,
      runLocal: (input, signal) => this.#turns.send(input, { signal }),
    });
  }

  /** What coordination strategies may do: real turns and statuses. */
  readonly #team: TeamAccess = {
    send: (input, options) => this.sendToInstance(input, options),
    status: (id) => this.getInstanceStatus({ instance_id: id }),
    children: (id) => childViews(this.#k, id),
  };

  /** What an instance's delegation tools may do: the client's operations, under the same rules. */
  readonly #delegationPort: DelegationPort = {
    record: (id) => findInstance(this.#k.store, id),
    spawn: (input) => this.spawnInstance(input),
    send: (input, options) => this.sendToInstance(input, options),
    output: (input) => this.getInstanceOutput(input),
    children: (id) => childViews(this.#k, id),
  };

  async #open(): Promise<void> {
    if (this.#closed) throw shuttingDownError();
    await this.#whenStarted();
  }
}
