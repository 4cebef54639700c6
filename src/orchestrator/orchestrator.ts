import type { AskPermission, Backend, Session, SessionSpec } from '../backends/backend.js';
import { permissionPolicyInputSchema, toPermissionPolicy, type PermissionPolicyInput } from '../backends/claude-code/permission-policy.js';
import type { Config } from '../config/load-config.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { randomId, type IdGenerator } from '../domain/ids.js';
import {
  parseInput as parse,
  outputInputSchema,
  coordinateInputSchema,
  instanceRefSchema,
  listInputSchema,
  sendInputSchema,
  spawnInputSchema,
  type CoordinateInput,
  type InstanceRef,
  type ListInput,
  type OutputInput,
  type SendInput,
  type SpawnInput,
} from '../domain/inputs.js';
import { isLive, type BackendKind, type InstanceRecord, type TransitionReason } from '../domain/instance.js';
import { composeSystemPrompt } from '../domain/roles.js';
import { addUsage, totalTokens, usageView, ZERO_USAGE } from '../domain/usage.js';
import type { Logger } from '../observability/logger.js';
import { addCost, costNanos, findPrice, nanosToUsd, usdToNanos } from '../pricing/cost.js';
import { cacheSavingsNanos } from '../pricing/cache-savings.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { Store } from '../store/store.js';
import { DEFAULTS } from '../config/defaults.js';
import { transition } from './lifecycle.js';
import { assertCanHaveChild, assertGlobalBudget, assertSpawnCapacity, assertTakesTurns, breachedLimit, describeReason, expiresAt } from './limits.js';
import { TurnQueue } from './turn-queue.js';
import { recoverOrphans } from './recovery.js';
import { coordinationPort } from './coordination-port.js';
import { DELEGATION_TOOLS, delegationExecutor } from './delegation.js';
import { runCoordination } from '../coordination/run-coordination.js';
import type { CoordinationRequest, CoordinationType } from '../coordination/types.js';
import { TaskRegistry, type ProgressReport } from '../tasks/task-registry.js';
import { currentOwner, type Owner } from '../store/owner.js';
import { estimatePromptTokens, planTurnReservation, type BudgetView } from './budget.js';
import { sleep } from '../async/sleep.js';
import { instanceView, messageView, type InstanceView } from './views.js';
import type { GlobalTotals, ListResult, OutputResult, SendResult, SpawnResult, TerminateResult } from './results.js';
export type { GlobalTotals, ListResult, OutputResult, SendResult, SpawnResult, TerminateResult } from './results.js';
import { createWorkspace, removeWorkspace, workspacePath } from './workspaces.js';

export interface Clock {
  now(): number;
}

export interface OrchestratorDeps {
  readonly config: Config;
  /** The default backend (`api`). */
  readonly backend: Backend;
  /** Other backends by kind (e.g. `claude-code`). */
  readonly backends?: Partial<Record<BackendKind, Backend>>;
  readonly store: Store;
  readonly priceTable: PriceTable;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/** A validated coordinate_instances call, ready to run. */
export interface CoordinationPlan {
  readonly type: CoordinationType;
  readonly request: CoordinationRequest;
  readonly timeoutMs: number;
  readonly waitSeconds: number | undefined;
}

export interface SendOptions {
  /** Aborts the turn (the instance stays usable). */
  readonly signal?: AbortSignal;
  /** Answers a claude-code agent's permission asks for this and later turns (the caller's MCP client). */
  readonly askPermission?: AskPermission;
  readonly onText?: (text: string) => void;
}

/**
 * The wiring between tools and the parts that do the work: store, backend, limits, lifecycle, workspaces.
 * Every public method validates its input (it is a boundary for library users) and returns plain JSON views.
 */
export class Orchestrator {
  readonly #config: Config;
  readonly #backends: Partial<Record<BackendKind, Backend>>;
  /** Who answers an instance's permission asks now: the client of its latest send (MCP elicitation). */
  readonly #askers = new Map<string, AskPermission>();
  readonly #store: Store;
  readonly #prices: PriceTable;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #sessions = new Map<string, Session>();
  readonly #queue = new TurnQueue();
  readonly #shutdown = new AbortController();
  /** Background work (turns and coordination runs) that callers can wait for, poll or cancel. */
  readonly tasks: TaskRegistry;
  readonly #sweep: NodeJS.Timeout | undefined;
  /** This server as the owner of leases, reservations and tasks in a store it may share with others. */
  readonly #owner: Owner;
  readonly #leaseMs: number;
  /** Turns running in this process, so shutdown can let them finish. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(deps: OrchestratorDeps) {
    this.#config = deps.config;
    this.#backends = { ...(deps.backends ?? {}), [deps.backend.kind]: deps.backend };
    this.#store = deps.store;
    this.#prices = deps.priceTable;
    this.#log = deps.logger;
    this.#clock = deps.clock ?? { now: () => Date.now() };
    this.#ids = deps.ids ?? randomId;
    this.#owner = currentOwner(new Date(this.#clock.now()));
    this.#leaseMs = DEFAULTS.leaseSeconds * 1000;
    this.#store.registerOwner(this.#owner);
    this.tasks = new TaskRegistry({ now: () => this.#clock.now(), ids: this.#ids, store: this.#store, owner: this.#owner.id });
    this.recover();
    const everyMs = this.#config.healthCheckIntervalSeconds * 1000;
    this.#sweep = setInterval(() => {
      this.healthCheck().catch((error: unknown) => this.#log.error({ err: toOrchestratorError(error).message }, 'health check failed'));
    }, everyMs);
    this.#sweep.unref();
  }

  /** Starts a new instance: a workspace, a record, a backend session. */
  async spawnInstance(raw: SpawnInput): Promise<SpawnResult> {
    this.#assertOpen();
    const input = parse(spawnInputSchema, raw);
    const backend = this.#backendFor(input.backend);
    backend.assertReady();
    if (input.backend !== 'claude-code' && (input.repository !== undefined || input.permissions !== undefined)) {
      throw new OrchestratorError('invalid_input', 'repository and permissions apply to backend "claude-code" only.');
    }
    if (input.backend === 'claude-code' && input.allow_delegation) {
      throw new OrchestratorError('invalid_input', 'allow_delegation is for api instances: a Claude Code agent has its own Task tool for subagents.');
    }
    if (backend.validateSpawn && input.repository !== undefined) {
      await backend.validateSpawn({ instanceId: 'inst_validate', model: '', systemPrompt: '', workspace: '', repository: input.repository });
    }
    const model = input.model ?? this.#config.defaultModel;
    const warnings: string[] = [];
    if (!findPrice(this.#prices, model)) {
      if (input.max_cost !== undefined) {
        throw new OrchestratorError(
          'invalid_input',
          `Cannot enforce max_cost for model "${model}": it is not in the price table (as of ${this.#prices.asOf}). Add its prices with PRICE_TABLE=<file.json>, choose a priced model, or drop max_cost.`,
        );
      }
      warnings.push(`Model "${model}" has no known price: its cost will be reported as null (unknown), and the global cost budget cannot count it.`);
    }
    const parent = input.parent_id !== undefined ? this.#get(input.parent_id) : undefined;

    const id = this.#ids('inst');
    const now = this.#isoNow();
    const record: InstanceRecord = {
      id,
      name: input.name,
      role: input.role,
      model,
      backend: backend.kind,
      backendOptions:
        input.repository !== undefined || input.permissions !== undefined
          ? JSON.stringify({ ...(input.repository !== undefined ? { repository: input.repository } : {}), ...(input.permissions !== undefined ? { permissions: input.permissions } : {}) })
          : null,
      customSystemPrompt: input.system_prompt ?? null,
      systemPrompt: composeSystemPrompt(input.role, input.system_prompt),
      parentId: input.parent_id ?? null,
      depth: parent ? parent.depth + 1 : 0,
      allowDelegation: input.allow_delegation ?? false,
      workspace: workspacePath(this.#config.workspaceDir, id),
      keepWorkspace: input.keep_workspace ?? false,
      limits: {
        maxTotalTokens: input.max_total_tokens ?? this.#config.maxTokensPerInstance,
        maxCostNanos: input.max_cost !== undefined ? usdToNanos(input.max_cost) : null,
        timeoutMinutes: input.timeout_minutes ?? this.#config.instanceTimeoutMinutes,
      },
      createdAt: now,
      state: 'spawning',
      stateReason: 'spawned',
      stateChangedAt: now,
      usage: ZERO_USAGE,
      costNanos: findPrice(this.#prices, model) ? 0 : null,
      cacheSavingsNanos: findPrice(this.#prices, model) ? 0 : null,
      turns: 0,
      totalResponseMs: 0,
      lastResponseMs: null,
      errorCount: 0,
      lastError: null,
      consecutiveFailures: 0,
      backendState: null,
    };
    // The parent, the cap and the global budget are checked inside the insert's transaction, so another
    // server sharing the store can't spawn in between.
    this.#store.transaction(() => {
      assertSpawnCapacity(this.#liveCount(), this.#config.maxInstances);
      assertGlobalBudget(this.#spentNanos(), usdToNanos(this.#config.maxTotalCostUsd));
      if (parent) assertCanHaveChild(this.#get(parent.id), this.#store.childrenOf(parent.id), this.#config);
      this.#store.insertInstance(record);
      this.#store.acquireLease(id, this.#owner.id, this.#clock.now(), this.#leaseMs);
      this.#store.appendEvent({ instanceId: id, at: now, from: null, to: 'spawning', reason: 'spawned' });
    });
    try {
      await createWorkspace(this.#config.workspaceDir, id);
      this.#sessions.set(id, await backend.start(this.#sessionSpec(record)));
    } catch (error) {
      const failure = toOrchestratorError(error);
      this.#store.updateInstance(id, { errorCount: 1, lastError: failure.message });
      transition(this.#store, id, 'failed', 'error', this.#isoNow(), failure.message);
      this.#store.releaseLease(id, this.#owner.id);
      throw failure;
    }
    const ready = transition(this.#store, id, 'idle', 'ready', this.#isoNow());
    this.#store.releaseLease(id, this.#owner.id);
    this.#log.info({ instanceId: id, role: ready.role, model, parentId: ready.parentId }, 'instance spawned');
    return {
      instance_id: id,
      name: ready.name,
      role: ready.role,
      model,
      backend: ready.backend,
      state: ready.state,
      workspace: ready.workspace,
      parent_id: ready.parentId,
      limits: instanceView(ready, []).limits,
      warnings,
    };
  }

  /** One conversational turn: the instance sees its whole history plus this message. */
  async sendToInstance(raw: SendInput, options: SendOptions = {}): Promise<SendResult> {
    this.#assertOpen();
    const input = parse(sendInputSchema, raw);
    const id = input.instance_id;
    const target = this.#get(id);
    await this.#checkUsable(target);
    this.#backendFor(target.backend).assertReady();
    if (options.askPermission) this.#askers.set(id, options.askPermission);
    const timeoutMs = (input.timeout_seconds ?? this.#config.sendTimeoutSeconds) * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const waitSignal = AbortSignal.any([timeout, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);
    const turn = this.#queue.run(id, waitSignal, () => this.#runTurn(id, input.message, timeout, timeoutMs, options));
    this.#inFlight.add(turn);
    try {
      return await turn;
    } catch (error) {
      if (timeout.aborted) throw new OrchestratorError('timeout', `No reply from instance ${id} within ${timeoutMs / 1000} s; the turn was aborted and the instance stays usable. Retry with a larger timeout_seconds.`);
      throw toOrchestratorError(error);
    } finally {
      this.#inFlight.delete(turn);
    }
  }

  /** `turnTimeout` is the send's own deadline: time spent waiting in the queue counts against it. */
  async #runTurn(id: string, message: string, turnTimeout: AbortSignal, timeoutMs: number, options: SendOptions): Promise<SendResult> {
    const waitSignal = AbortSignal.any([turnTimeout, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);
    // Another server on the same store may be running a turn of this instance: wait for its lease.
    await this.#acquireLease(id, waitSignal);
    const renew = setInterval(() => this.#store.renewLease(id, this.#owner.id, this.#clock.now(), this.#leaseMs), this.#leaseMs / 3);
    renew.unref();
    try {
      return await this.#leasedTurn(id, message, turnTimeout, timeoutMs, options);
    } finally {
      clearInterval(renew);
      this.#store.releaseLease(id, this.#owner.id);
    }
  }

  async #leasedTurn(id: string, message: string, turnTimeout: AbortSignal, timeoutMs: number, options: SendOptions): Promise<SendResult> {
    // Re-read after waiting: an earlier turn (here or on another server) may have ended the instance.
    const record = this.#get(id);
    await this.#checkUsable(record);
    const session = await this.#session(record);
    const history = this.#store
      .allMessages(id)
      .filter((m) => !m.failed)
      .map((m) => ({ role: m.role, content: m.content }));
    const lifetimeLeftMs = Math.max(1, expiresAt(record) - this.#clock.now());
    const lifetime = AbortSignal.timeout(lifetimeLeftMs);
    const signal = AbortSignal.any([turnTimeout, lifetime, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);

    // One transaction: reserve what the turn can cost (across its tree and globally), mark it busy, and
    // write the user's message, so an acknowledged message is never lost and budgets are never shared twice.
    const reservationId = this.#ids('res');
    const { plan, userMessage } = this.#store.transaction(() => {
      const promptTokens = estimatePromptTokens(record.systemPrompt, [...history, { content: message }]) + (this.#backendFor(record.backend).promptOverheadTokens ?? 0);
      const planned = planTurnReservation(this.#get(id), this.#budgetView(), this.#prices, promptTokens, this.#config.maxOutputTokens);
      this.#store.addReservation({ id: reservationId, instanceId: id, owner: this.#owner.id, tokens: planned.tokens, nanos: planned.nanos, createdAt: this.#clock.now() });
      transition(this.#store, id, 'busy', 'turn_started', this.#isoNow());
      return { plan: planned, userMessage: this.#store.appendMessage(id, { role: 'user', content: message, at: this.#isoNow() }) };
    });
    this.#log.info({ instanceId: id, chars: message.length, maxTokens: plan.maxTokens }, 'turn started');
    let result;
    try {
      const delegation = record.allowDelegation ? { tools: DELEGATION_TOOLS } : {};
      const asker = options.askPermission ?? this.#askers.get(id);
      // Usage of this turn's model calls so far, so delegation can budget children before the turn ends.
      let turnUsage = ZERO_USAGE;
      result = await session.turn(
        {
          history,
          message,
          maxTokens: plan.maxTokens,
          // A turn that makes several model calls (delegation tools, a Claude Code agent's tool loop) may use what
          // the instance has left; a plain turn is one call, held to its reservation.
          tokenBudget: record.allowDelegation || record.backend === 'claude-code' ? Math.max(1, record.limits.maxTotalTokens - totalTokens(record.usage)) : plan.tokens,
          ...delegation,
        },
        {
          signal,
          onEvent: (e) => {
            if (e.type === 'usage') turnUsage = addUsage(turnUsage, e.usage);
            else options.onText?.(e.text);
          },
          ...(record.allowDelegation ? { executeTool: delegationExecutor(this, record, () => turnUsage) } : {}),
          // Permission asks go to the client of this send, or of the latest one; with none, the backend denies them.
          ...(asker ? { askPermission: asker } : {}),
        },
      );
    } catch (error) {
      const failure = lifetime.aborted
        ? new OrchestratorError('limit_exceeded', `Instance ${id} reached the end of its lifetime (timeout_minutes=${record.limits.timeoutMinutes}) during the turn and was terminated.`)
        : turnTimeout.aborted
          ? new OrchestratorError('timeout', `No reply from instance ${id} within ${timeoutMs / 1000} s; the turn was aborted and the instance stays usable. Retry with a larger timeout_seconds.`)
          : toOrchestratorError(error);
      this.#store.transaction(() => {
        this.#store.updateMessage(id, userMessage.seq, { failed: true, error: failure.message });
        const current = this.#get(id);
        this.#store.updateInstance(id, { errorCount: current.errorCount + 1, lastError: failure.message, consecutiveFailures: current.consecutiveFailures + 1 });
        this.#store.removeReservation(reservationId);
        if (current.state === 'busy') transition(this.#store, id, 'idle', 'turn_finished', this.#isoNow(), 'turn failed');
      });
      this.#log.warn({ instanceId: id, code: failure.code, err: failure.message }, 'turn failed');
      if (lifetime.aborted) await this.#terminate(id, 'timeout');
      throw failure;
    }

    // A turn that used several models (a Claude Code subagent on another one) is priced model by model.
    const byModel = result.usageByModel ? Object.entries(result.usageByModel) : [[findPrice(this.#prices, result.model) ? result.model : record.model, result.usage] as const];
    const turnCost = byModel.reduce<number | null>((sum, [model, usage]) => addCost(sum, costNanos(this.#prices, model, usage)), 0);
    const turnSavings = byModel.reduce<number | null>((sum, [model, usage]) => addCost(sum, cacheSavingsNanos(this.#prices, model, usage)), 0);
    // One transaction: the reply, its charge, and the end of the reservation. A turn is charged exactly once.
    let after = this.#store.transaction(() => {
      this.#store.appendMessage(id, {
        role: 'assistant',
        content: result.text,
        at: this.#isoNow(),
        usage: result.usage,
        costNanos: turnCost,
        durationMs: result.durationMs,
        stopReason: result.stopReason,
        model: result.model,
        ...(result.toolCalls.length > 0 ? { toolCalls: result.toolCalls } : {}),
        ...(result.retries !== undefined && result.retries > 0 ? { retries: result.retries } : {}),
      });
      const before = this.#get(id);
      this.#store.updateInstance(id, {
        usage: addUsage(before.usage, result.usage),
        costNanos: addCost(before.costNanos, turnCost),
        cacheSavingsNanos: addCost(before.cacheSavingsNanos, turnSavings),
        turns: before.turns + 1,
        totalResponseMs: before.totalResponseMs + result.durationMs,
        lastResponseMs: result.durationMs,
        consecutiveFailures: 0,
        ...(result.backendState !== undefined ? { backendState: result.backendState } : {}),
      });
      this.#store.removeReservation(reservationId);
      return before.state === 'busy' ? transition(this.#store, id, 'idle', 'turn_finished', this.#isoNow()) : this.#get(id);
    });
    this.#log.info({ instanceId: id, usage: usageView(result.usage), costUsd: nanosToUsd(turnCost), ms: result.durationMs }, 'turn finished');

    const warnings: string[] = [];
    if (turnCost === null) warnings.push(`Model "${result.model}" has no known price: cost is unknown (null), not zero.`);
    if (result.stopReason === 'max_tokens') warnings.push(`The reply was cut off at max_tokens (${plan.maxTokens}: the output cap, or what the budgets had left).`);
    const breached = breachedLimit(after, this.#clock.now()) ?? this.#exhaustedBy(after, [...history, { content: message }, { content: result.text }]);
    if (breached) {
      await this.#terminate(id, breached);
      after = this.#get(id);
      warnings.push(`Instance terminated after this turn: ${describeReason(breached)}.`);
    }
    return {
      instance_id: id,
      reply: result.text,
      usage: usageView(result.usage),
      cost_usd: nanosToUsd(turnCost),
      cache_savings_usd: nanosToUsd(turnSavings),
      duration_ms: result.durationMs,
      stop_reason: result.stopReason,
      model: result.model,
      state: after.state,
      state_reason: after.stateReason,
      instance_usage: usageView(after.usage),
      instance_cost_usd: nanosToUsd(after.costNanos),
      ...(result.toolCalls.length > 0 ? { tool_calls: result.toolCalls.map((c) => ({ name: c.name, input: c.input, is_error: c.isError, result: c.result })) } : {}),
      ...(result.retries !== undefined ? { retries: result.retries } : {}),
      ...(result.changedFiles ? { changed_files: [...result.changedFiles] } : {}),
      ...(result.permissionDenials && result.permissionDenials.length > 0
        ? { permission_denials: result.permissionDenials.map((d) => ({ tool: d.tool, input: d.input, reason: d.reason })) }
        : {}),
      ...(result.agentCostUsd !== undefined ? { agent_cost_usd: result.agentCostUsd } : {}),
      warnings,
    };
  }

  /**
   * The instance's own limit that leaves no room for even a one-word next turn (its conversation alone no
   * longer fits its token or cost budget): such an instance is at its limit and ends, like one past it.
   */
  #exhaustedBy(record: InstanceRecord, conversation: ReadonlyArray<{ readonly content: string }>): TransitionReason | null {
    const prompt = estimatePromptTokens(record.systemPrompt, [...conversation, { content: '.' }]) + (this.#backendFor(record.backend).promptOverheadTokens ?? 0);
    try {
      planTurnReservation(record, this.#budgetView(), this.#prices, prompt, 1);
      return null;
    } catch (error) {
      const binding = error instanceof OrchestratorError ? error.details?.['binding'] : undefined;
      return binding === 'limit:tokens' || binding === 'limit:cost' ? binding : null;
    }
  }

  /** Waits (polling, abortably) until this server holds the instance's turn lease. */
  async #acquireLease(id: string, signal: AbortSignal): Promise<void> {
    let waitMs = 25;
    while (!this.#store.acquireLease(id, this.#owner.id, this.#clock.now(), this.#leaseMs)) {
      await sleep(waitMs, signal);
      waitMs = Math.min(1_000, waitMs * 2);
    }
  }

  #budgetView(): BudgetView {
    return { instances: this.#store.allInstances(), reservations: this.#store.listReservations(), globalBudgetNanos: usdToNanos(this.#config.maxTotalCostUsd) };
  }

  /**
   * Validates a send without running it, so bad input fails at once rather than inside a background task.
   * The returned input is what sendToInstance takes.
   */
  prepareSend(raw: SendInput): SendInput {
    this.#assertOpen();
    const input = parse(sendInputSchema, raw);
    const record = this.#get(input.instance_id);
    assertTakesTurns(record);
    this.#backendFor(record.backend).assertReady();
    return input;
  }

  /** Validates a coordination request: every id known and live, no duplicates, a coordinator where needed. */
  prepareCoordination(raw: CoordinateInput): CoordinationPlan {
    this.#assertOpen();
    const input = parse(coordinateInputSchema, raw);
    const ids = input.participant_ids;
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) throw new OrchestratorError('invalid_input', `Participant ${duplicate} is listed twice.`);
    if (input.coordinator_id !== undefined && ids.includes(input.coordinator_id)) {
      throw new OrchestratorError('invalid_input', `The coordinator ${input.coordinator_id} cannot also be a participant.`);
    }
    if (input.coordination_type === 'hierarchical' && input.coordinator_id === undefined) {
      throw new OrchestratorError('invalid_input', 'A hierarchical run needs a coordinator_id: the instance that plans the sub-tasks and integrates the results (an architect, say).');
    }
    for (const id of [...(input.coordinator_id !== undefined ? [input.coordinator_id] : []), ...ids]) {
      const record = this.#get(id);
      assertTakesTurns(record, 'take part');
      this.#backendFor(record.backend).assertReady();
    }
    const o = input.options ?? {};
    return {
      type: input.coordination_type,
      request: {
        ...(input.coordinator_id !== undefined ? { coordinatorId: input.coordinator_id } : {}),
        participantIds: ids,
        task: input.task_description,
        options: {
          ...(o.max_rounds !== undefined ? { maxRounds: o.max_rounds } : {}),
          ...(o.quorum !== undefined ? { quorum: o.quorum } : {}),
          ...(o.max_depth !== undefined ? { maxDepth: o.max_depth } : {}),
          ...(o.synthesize !== undefined ? { synthesize: o.synthesize } : {}),
        },
      },
      timeoutMs: (input.timeout_seconds ?? this.#config.coordinationTimeoutSeconds) * 1000,
      waitSeconds: input.wait_seconds,
    };
  }

  /** Validates and runs a coordination to the end (the library's one-call form of coordinate_instances). */
  async coordinateInstances(raw: CoordinateInput, options: { signal?: AbortSignal; report?: (update: ProgressReport) => void } = {}): Promise<object> {
    return this.runCoordination(this.prepareCoordination(raw), options);
  }

  /** Runs a prepared coordination; aborted by `signal`, its own timeout, or shutdown. */
  async runCoordination(
    plan: CoordinationPlan,
    options: { signal?: AbortSignal; report?: (update: ProgressReport) => void; askPermission?: AskPermission } = {},
  ): Promise<object> {
    const report = options.report ?? (() => undefined);
    const timeout = AbortSignal.timeout(plan.timeoutMs);
    const signal = AbortSignal.any([timeout, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);
    this.#log.info({ type: plan.type, participants: plan.request.participantIds, coordinatorId: plan.request.coordinatorId }, 'coordination started');
    const result = await runCoordination(plan.type, plan.request, {
      port: coordinationPort(this, report, options.askPermission),
      signal,
      maxConcurrency: this.#config.coordinationConcurrency,
      progress: (u) => report({ message: u.message, ...(u.completedTurns !== undefined ? { completedTurns: u.completedTurns } : {}), ...(u.totalTurns !== undefined ? { totalTurns: u.totalTurns } : {}) }),
    });
    if (timeout.aborted && !result.success) {
      throw new OrchestratorError('timeout', `The ${plan.type} run did not finish within ${plan.timeoutMs / 1000} s (timeout_seconds); finished turns are in each instance's output.`);
    }
    this.#log.info({ type: plan.type, success: result.success, turns: result.turns, costUsd: result.cost_usd }, 'coordination finished');
    return result;
  }

  /** The conversation, oldest first, paged. */
  getInstanceOutput(raw: OutputInput): OutputResult {
    const input = parse(outputInputSchema, raw);
    const record = this.#get(input.instance_id);
    const limit = input.limit ?? DEFAULTS.pageSize;
    const offset = input.offset ?? 0;
    const page = this.#store.listMessages(record.id, { limit, offset });
    return { instance_id: record.id, state: record.state, total: page.total, offset, limit, messages: page.items.map(messageView) };
  }

  getInstanceStatus(raw: InstanceRef): InstanceView {
    const input = parse(instanceRefSchema, raw);
    const record = this.#get(input.instance_id);
    return instanceView(record, this.#store.childrenOf(record.id));
  }

  listInstances(raw: ListInput = {}): ListResult {
    const input = parse(listInputSchema, raw);
    const limit = input.limit ?? DEFAULTS.pageSize;
    const offset = input.offset ?? 0;
    const page = this.#store.listInstances({ includeTerminated: input.include_terminated ?? false, limit, offset });
    return {
      total: page.total,
      offset,
      limit,
      instances: page.items.map((r) => instanceView(r, this.#store.childrenOf(r.id))),
      totals: this.totals(),
    };
  }

  /** Ends an instance and, first, its live children. Idempotent on an already-terminated instance. */
  async terminateInstance(raw: InstanceRef): Promise<TerminateResult> {
    const input = parse(instanceRefSchema, raw);
    const record = this.#get(input.instance_id);
    if (!isLive(record.state)) {
      throw new OrchestratorError('invalid_state', `Instance ${record.id} is already ${record.state} (${describeReason(record.stateReason)}).`, { state: record.state, reason: record.stateReason });
    }
    return this.#terminate(record.id, 'requested');
  }

  totals(): GlobalTotals {
    const all = this.#store.allInstances();
    let usage = ZERO_USAGE;
    for (const r of all) usage = addUsage(usage, r.usage);
    return {
      instances_live: all.filter((r) => isLive(r.state)).length,
      instances_total: all.length,
      usage: usageView(usage),
      cost_usd: nanosToUsd(this.#spentNanos()) ?? 0,
      unpriced_instances: all.filter((r) => r.costNanos === null).length,
      cache_savings_usd: nanosToUsd(all.reduce((sum, r) => sum + (r.cacheSavingsNanos ?? 0), 0)) ?? 0,
      max_total_cost_usd: this.#config.maxTotalCostUsd,
    };
  }

  /**
   * Takes back what servers that are gone left behind on the store (see recovery.ts). Runs at start and
   * in every health check.
   */
  recover(): { instances: string[]; tasks: string[] } {
    const result = recoverOrphans({
      store: this.#store,
      tasks: this.tasks,
      ownerId: this.#owner.id,
      nowMs: this.#clock.now(),
      leaseMs: this.#leaseMs,
      running: (id) => this.#queue.busy(id),
    });
    if (result.instances.length > 0 || result.tasks.length > 0) this.#log.warn(result, 'recovered work left by a server that stopped');
    return result;
  }

  /**
   * The health check: recovers orphaned work, terminates idle instances past a limit or their lifetime
   * (busy ones are bounded by their turn), and deletes instances that ended past the retention period.
   */
  async healthCheck(): Promise<{ terminated: string[]; recovered: string[]; deleted: number }> {
    const { instances: recovered } = this.recover();
    await Promise.all(Object.values(this.#backends).map((b) => b.healthCheck?.()));
    const terminated = await this.enforceLimits();
    const cutoff = new Date(this.#clock.now() - this.#config.retentionDays * 86_400_000).toISOString();
    const deleted = this.#store.deleteEndedBefore(cutoff);
    return { terminated, recovered, deleted };
  }

  /** Terminates idle instances that are past a limit or their lifetime (busy ones are bounded by their turn). */
  async enforceLimits(): Promise<string[]> {
    const ended: string[] = [];
    for (const r of this.#store.allInstances()) {
      if (r.state !== 'idle' || this.#queue.busy(r.id)) continue;
      const reason = breachedLimit(r, this.#clock.now());
      if (!reason) continue;
      try {
        await this.#terminate(r.id, reason);
        ended.push(r.id);
      } catch (error) {
        this.#log.error({ instanceId: r.id, err: toOrchestratorError(error).message }, 'limit enforcement failed');
      }
    }
    return ended;
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
    const graceMs = options.graceMs ?? 0;
    if (graceMs > 0 && this.#inFlight.size > 0) {
      this.#log.info({ turns: this.#inFlight.size, graceMs }, 'letting running turns finish');
      await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    this.#shutdown.abort(new OrchestratorError('cancelled', 'The orchestrator is shutting down.'));
    await this.tasks.interruptAll('The server shut down while this task ran.');
    await Promise.allSettled([...this.#inFlight]);
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
    await Promise.allSettled(Object.values(this.#backends).map((b) => b.shutdown?.()));
    this.#store.close();
  }

  async #terminate(id: string, reason: TransitionReason): Promise<TerminateResult> {
    const terminatedChildren: string[] = [];
    for (const child of this.#store.childrenOf(id)) {
      if (!isLive(child.state) || child.state === 'terminating') continue;
      const result = await this.#terminate(child.id, 'parent_terminated');
      terminatedChildren.push(child.id, ...result.terminated_children);
    }
    const record = this.#get(id);
    if (record.state !== 'terminating') transition(this.#store, id, 'terminating', reason, this.#isoNow());
    let workspaceRemoved = false;
    try {
      // A backend that keeps things outside the store (a claude-code worktree, a parked session) is asked to
      // release them even when this server never ran the instance.
      const session = this.#sessions.get(id);
      this.#sessions.delete(id);
      if (session) await (session.terminate ? session.terminate() : session.close());
      else await this.#backends[record.backend]?.release?.(this.#sessionSpec(record));
      if (!record.keepWorkspace) {
        await removeWorkspace(this.#config.workspaceDir, id);
        workspaceRemoved = true;
      }
    } catch (error) {
      this.#log.warn({ instanceId: id, err: toOrchestratorError(error).message }, 'cleanup after terminate failed');
    }
    const final = transition(this.#store, id, 'terminated', reason, this.#isoNow());
    this.#log.info({ instanceId: id, reason, usage: usageView(final.usage), costUsd: nanosToUsd(final.costNanos) }, 'instance terminated');
    return {
      instance_id: id,
      state: final.state,
      reason,
      usage: usageView(final.usage),
      cost_usd: nanosToUsd(final.costNanos),
      turns: final.turns,
      workspace_removed: workspaceRemoved,
      terminated_children: terminatedChildren,
    };
  }

  /** Throws a clear error if the instance can't take a turn now; terminates it first if it is past a limit. */
  async #checkUsable(record: InstanceRecord): Promise<void> {
    assertTakesTurns(record);
    const breached = breachedLimit(record, this.#clock.now());
    if (breached) {
      await this.#terminate(record.id, breached);
      throw new OrchestratorError('limit_exceeded', `Instance ${record.id} was terminated because ${describeReason(breached)}. Spawn a new instance to continue.`, { reason: breached });
    }
    assertGlobalBudget(this.#spentNanos(), usdToNanos(this.#config.maxTotalCostUsd));
  }

  async #session(record: InstanceRecord): Promise<Session> {
    const existing = this.#sessions.get(record.id);
    if (existing) return existing;
    const session = await this.#backendFor(record.backend).start(this.#sessionSpec(record));
    this.#sessions.set(record.id, session);
    return session;
  }

  #sessionSpec(record: InstanceRecord): SessionSpec {
    const options = backendOptionsOf(record);
    return {
      instanceId: record.id,
      model: record.model,
      systemPrompt: record.systemPrompt,
      workspace: record.workspace,
      backendState: record.backendState,
      ...(options.repository !== undefined ? { repository: options.repository } : {}),
      ...(record.backend === 'claude-code' ? { permissions: toPermissionPolicy(options.permissions) } : {}),
    };
  }

  #backendFor(kind: BackendKind): Backend {
    const backend = this.#backends[kind];
    if (!backend) throw new OrchestratorError('not_configured', `The ${kind} backend is not available in this server.`);
    return backend;
  }

  /** The stored record of an instance (for the orchestrator's own modules); throws `not_found`. */
  record(id: string): InstanceRecord {
    return this.#get(id);
  }

  #get(id: string): InstanceRecord {
    const record = this.#store.getInstance(id);
    if (!record) throw new OrchestratorError('not_found', `Instance not found: ${JSON.stringify(id)}. Use list_instances to see the ids that exist.`, { instance_id: id });
    return record;
  }

  #liveCount(): number {
    return this.#store.allInstances().filter((r) => isLive(r.state)).length;
  }

  #spentNanos(): number {
    let sum = 0;
    for (const r of this.#store.allInstances()) sum += r.costNanos ?? 0;
    return sum;
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  #assertOpen(): void {
    if (this.#closed) throw new OrchestratorError('invalid_state', 'The orchestrator is shut down.');
  }
}

/** The spawn-time backend options an instance was stored with. */
function backendOptionsOf(record: InstanceRecord): { repository?: string; permissions?: PermissionPolicyInput } {
  if (!record.backendOptions) return {};
  const raw = JSON.parse(record.backendOptions) as { repository?: unknown; permissions?: unknown };
  return {
    ...(typeof raw.repository === 'string' ? { repository: raw.repository } : {}),
    ...(raw.permissions !== undefined ? { permissions: permissionPolicyInputSchema.parse(raw.permissions) } : {}),
  };
}
