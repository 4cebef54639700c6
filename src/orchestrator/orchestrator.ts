import type { Backend, Session } from '../backends/backend.js';
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
import { isLive, type InstanceRecord, type TransitionReason } from '../domain/instance.js';
import { composeSystemPrompt } from '../domain/roles.js';
import { addUsage, totalTokens, usageView, ZERO_USAGE, type UsageView } from '../domain/usage.js';
import type { Logger } from '../observability/logger.js';
import { addCost, costNanos, findPrice, nanosToUsd, usdToNanos } from '../pricing/cost.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { Store } from '../store/store.js';
import { DEFAULTS } from '../config/defaults.js';
import { transition } from './lifecycle.js';
import { assertCanHaveChild, assertGlobalBudget, assertSpawnCapacity, breachedLimit, describeReason, expiresAt, maxTokensForTurn } from './limits.js';
import { TurnQueue } from './turn-queue.js';
import { coordinationPort } from './coordination-port.js';
import { DELEGATION_TOOLS, delegationExecutor } from './delegation.js';
import { runCoordination } from '../coordination/run-coordination.js';
import type { CoordinationRequest, CoordinationType } from '../coordination/types.js';
import { TaskRegistry, type ProgressReport } from '../tasks/task-registry.js';
import { instanceView, messageView, type InstanceView, type MessageView } from './views.js';
import { createWorkspace, removeWorkspace, workspacePath } from './workspaces.js';

export interface Clock {
  now(): number;
}

export interface OrchestratorDeps {
  readonly config: Config;
  readonly backend: Backend;
  readonly store: Store;
  readonly priceTable: PriceTable;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

export interface SpawnResult {
  instance_id: string;
  name: string;
  role: string;
  model: string;
  backend: string;
  state: string;
  workspace: string;
  parent_id: string | null;
  limits: InstanceView['limits'];
  warnings: string[];
}

export interface SendResult {
  instance_id: string;
  reply: string;
  usage: UsageView;
  cost_usd: number | null;
  duration_ms: number;
  stop_reason: string | null;
  model: string;
  state: string;
  state_reason: string;
  instance_usage: UsageView;
  instance_cost_usd: number | null;
  /** Delegation tool calls the instance made during the turn. */
  tool_calls?: Array<{ name: string; input: unknown; is_error: boolean; result: string }>;
  warnings: string[];
}

export interface OutputResult {
  instance_id: string;
  state: string;
  total: number;
  offset: number;
  limit: number;
  messages: MessageView[];
}

export interface ListResult {
  total: number;
  offset: number;
  limit: number;
  instances: InstanceView[];
  totals: GlobalTotals;
}

export interface TerminateResult {
  instance_id: string;
  state: string;
  reason: string;
  usage: UsageView;
  cost_usd: number | null;
  turns: number;
  workspace_removed: boolean;
  terminated_children: string[];
}

export interface GlobalTotals {
  instances_live: number;
  instances_total: number;
  usage: UsageView;
  /** Spend on models with a known price. */
  cost_usd: number;
  /** Instances whose spend can't be priced (their model is not in the price table). */
  unpriced_instances: number;
  max_total_cost_usd: number;
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
  readonly onText?: (text: string) => void;
}

/**
 * The wiring between tools and the parts that do the work: store, backend, limits, lifecycle, workspaces.
 * Every public method validates its input (it is a boundary for library users) and returns plain JSON views.
 */
export class Orchestrator {
  readonly #config: Config;
  readonly #backend: Backend;
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
  #closed = false;

  constructor(deps: OrchestratorDeps) {
    this.#config = deps.config;
    this.#backend = deps.backend;
    this.#store = deps.store;
    this.#prices = deps.priceTable;
    this.#log = deps.logger;
    this.#clock = deps.clock ?? { now: () => Date.now() };
    this.#ids = deps.ids ?? randomId;
    this.tasks = new TaskRegistry({ now: () => this.#clock.now(), ids: this.#ids });
    const everyMs = this.#config.healthCheckIntervalSeconds * 1000;
    this.#sweep = setInterval(() => void this.enforceLimits(), everyMs);
    this.#sweep.unref();
  }

  /** Starts a new instance: a workspace, a record, a backend session. */
  async spawnInstance(raw: SpawnInput): Promise<SpawnResult> {
    this.#assertOpen();
    const input = parse(spawnInputSchema, raw);
    this.#backend.assertReady();
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
    if (parent) assertCanHaveChild(parent, this.#store.childrenOf(parent.id), this.#config);
    assertSpawnCapacity(this.#liveCount(), this.#config.maxInstances);
    assertGlobalBudget(this.#spentNanos(), usdToNanos(this.#config.maxTotalCostUsd));

    const id = this.#ids('inst');
    const now = this.#isoNow();
    const record: InstanceRecord = {
      id,
      name: input.name,
      role: input.role,
      model,
      backend: this.#backend.kind,
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
      turns: 0,
      totalResponseMs: 0,
      lastResponseMs: null,
      errorCount: 0,
      lastError: null,
    };
    this.#store.insertInstance(record);
    this.#store.appendEvent({ instanceId: id, at: now, from: null, to: 'spawning', reason: 'spawned' });
    try {
      await createWorkspace(this.#config.workspaceDir, id);
      this.#sessions.set(id, await this.#backend.start(this.#sessionSpec(record)));
    } catch (error) {
      const failure = toOrchestratorError(error);
      this.#store.updateInstance(id, { errorCount: 1, lastError: failure.message });
      transition(this.#store, id, 'failed', 'error', this.#isoNow(), failure.message);
      throw failure;
    }
    const ready = transition(this.#store, id, 'idle', 'ready', this.#isoNow());
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
    await this.#checkUsable(this.#get(id));
    this.#backend.assertReady();
    const timeoutMs = (input.timeout_seconds ?? this.#config.sendTimeoutSeconds) * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const waitSignal = AbortSignal.any([timeout, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);
    try {
      return await this.#queue.run(id, waitSignal, () => this.#runTurn(id, input.message, timeout, timeoutMs, options));
    } catch (error) {
      if (timeout.aborted) throw new OrchestratorError('timeout', `No reply from instance ${id} within ${timeoutMs / 1000} s; the turn was aborted and the instance stays usable. Retry with a larger timeout_seconds.`);
      throw toOrchestratorError(error);
    }
  }

  /** `turnTimeout` is the send's own deadline: time spent waiting in the queue counts against it. */
  async #runTurn(id: string, message: string, turnTimeout: AbortSignal, timeoutMs: number, options: SendOptions): Promise<SendResult> {
    // Re-read after waiting in the queue: an earlier turn may have ended the instance.
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

    transition(this.#store, id, 'busy', 'turn_started', this.#isoNow());
    const userMessage = this.#store.appendMessage(id, { role: 'user', content: message, at: this.#isoNow() });
    this.#log.info({ instanceId: id, chars: message.length }, 'turn started');
    let result;
    try {
      const delegation = record.allowDelegation ? { tools: DELEGATION_TOOLS } : {};
      // Usage of this turn's model calls so far, so delegation can budget children before the turn ends.
      let turnUsage = ZERO_USAGE;
      result = await session.turn(
        {
          history,
          message,
          maxTokens: maxTokensForTurn(record, this.#config.maxOutputTokens),
          tokenBudget: Math.max(1, record.limits.maxTotalTokens - totalTokens(record.usage)),
          ...delegation,
        },
        {
          signal,
          onEvent: (e) => {
            if (e.type === 'usage') turnUsage = addUsage(turnUsage, e.usage);
            else options.onText?.(e.text);
          },
          ...(record.allowDelegation ? { executeTool: delegationExecutor(this, record, () => turnUsage) } : {}),
        },
      );
    } catch (error) {
      const failure = lifetime.aborted
        ? new OrchestratorError('limit_exceeded', `Instance ${id} reached the end of its lifetime (timeout_minutes=${record.limits.timeoutMinutes}) during the turn and was terminated.`)
        : turnTimeout.aborted
          ? new OrchestratorError('timeout', `No reply from instance ${id} within ${timeoutMs / 1000} s; the turn was aborted and the instance stays usable. Retry with a larger timeout_seconds.`)
          : toOrchestratorError(error);
      this.#store.updateMessage(id, userMessage.seq, { failed: true, error: failure.message });
      const current = this.#get(id);
      this.#store.updateInstance(id, { errorCount: current.errorCount + 1, lastError: failure.message });
      if (current.state === 'busy') transition(this.#store, id, 'idle', 'turn_finished', this.#isoNow(), 'turn failed');
      this.#log.warn({ instanceId: id, code: failure.code, err: failure.message }, 'turn failed');
      if (lifetime.aborted) await this.#terminate(id, 'timeout');
      throw failure;
    }

    const turnCost = costNanos(this.#prices, result.model, result.usage) ?? costNanos(this.#prices, record.model, result.usage);
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
    });
    const before = this.#get(id);
    this.#store.updateInstance(id, {
      usage: addUsage(before.usage, result.usage),
      costNanos: addCost(before.costNanos, turnCost),
      turns: before.turns + 1,
      totalResponseMs: before.totalResponseMs + result.durationMs,
      lastResponseMs: result.durationMs,
    });
    let after = before.state === 'busy' ? transition(this.#store, id, 'idle', 'turn_finished', this.#isoNow()) : this.#get(id);
    this.#log.info({ instanceId: id, usage: usageView(result.usage), costUsd: nanosToUsd(turnCost), ms: result.durationMs }, 'turn finished');

    const warnings: string[] = [];
    if (turnCost === null) warnings.push(`Model "${result.model}" has no known price: cost is unknown (null), not zero.`);
    if (result.stopReason === 'max_tokens') warnings.push('The reply was cut off at max_tokens (the output cap or what the token budget had left).');
    const breached = breachedLimit(after, this.#clock.now());
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
      duration_ms: result.durationMs,
      stop_reason: result.stopReason,
      model: result.model,
      state: after.state,
      state_reason: after.stateReason,
      instance_usage: usageView(after.usage),
      instance_cost_usd: nanosToUsd(after.costNanos),
      ...(result.toolCalls.length > 0 ? { tool_calls: result.toolCalls.map((c) => ({ name: c.name, input: c.input, is_error: c.isError, result: c.result })) } : {}),
      warnings,
    };
  }

  /**
   * Validates a send without running it, so bad input fails at once rather than inside a background task.
   * The returned input is what sendToInstance takes.
   */
  prepareSend(raw: SendInput): SendInput {
    this.#assertOpen();
    const input = parse(sendInputSchema, raw);
    const record = this.#get(input.instance_id);
    if (!isLive(record.state) || record.state === 'terminating') {
      throw new OrchestratorError(
        'invalid_state',
        `Instance ${record.id} is ${record.state} (${describeReason(record.stateReason)}) and cannot take messages. Spawn a new instance with spawn_claude.`,
        { state: record.state, reason: record.stateReason },
      );
    }
    this.#backend.assertReady();
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
      if (!isLive(record.state) || record.state === 'terminating') {
        throw new OrchestratorError('invalid_state', `Instance ${id} is ${record.state} (${describeReason(record.stateReason)}) and cannot take part.`, { instance_id: id });
      }
    }
    this.#backend.assertReady();
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
  async runCoordination(plan: CoordinationPlan, options: { signal?: AbortSignal; report?: (update: ProgressReport) => void } = {}): Promise<object> {
    const report = options.report ?? (() => undefined);
    const timeout = AbortSignal.timeout(plan.timeoutMs);
    const signal = AbortSignal.any([timeout, this.#shutdown.signal, ...(options.signal ? [options.signal] : [])]);
    this.#log.info({ type: plan.type, participants: plan.request.participantIds, coordinatorId: plan.request.coordinatorId }, 'coordination started');
    const result = await runCoordination(plan.type, plan.request, {
      port: coordinationPort(this, report),
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
      max_total_cost_usd: this.#config.maxTotalCostUsd,
    };
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

  /** Stops the server side: aborts running turns and closes sessions. Instances are not terminated. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#shutdown.abort(new OrchestratorError('cancelled', 'The orchestrator is shutting down.'));
    await this.tasks.cancelAll('The orchestrator is shutting down.');
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
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
    const session = this.#sessions.get(id);
    this.#sessions.delete(id);
    let workspaceRemoved = false;
    try {
      await session?.close();
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
    if (!isLive(record.state) || record.state === 'terminating') {
      throw new OrchestratorError(
        'invalid_state',
        `Instance ${record.id} is ${record.state} (${describeReason(record.stateReason)}) and cannot take messages. Spawn a new instance with spawn_claude.`,
        { state: record.state, reason: record.stateReason },
      );
    }
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
    const session = await this.#backend.start(this.#sessionSpec(record));
    this.#sessions.set(record.id, session);
    return session;
  }

  #sessionSpec(record: InstanceRecord) {
    return { instanceId: record.id, model: record.model, systemPrompt: record.systemPrompt, workspace: record.workspace };
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
