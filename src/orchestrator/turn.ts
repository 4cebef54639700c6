import type { AskPermission, Session, ToolExecution, TurnResult } from '../backends/backend.js';
import type { CallHold } from '../backends/call-budget.js';
import { BudgetAskers } from '../budget-ask/budget-askers.js';
import type { AskBudget } from '../budget-ask/budget-question.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { parseInput, sendInputSchema, type SendInput } from '../domain/inputs.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { Owner } from '../store/owner.js';
import { expiresAtMs } from '../domain/lifetime.js';
import { pauseAt } from '../durability/pause-point.js';
import { turnFinished, turnSpan } from '../observability/genai-spans.js';
import { captureContext, inContext } from '../observability/tracing.js';
import { DELEGATION_TOOLS } from './delegation.js';
import { isoNow, type Kernel } from './kernel.js';
import { placeSend } from './node-placement.js';
import { remoteNode } from '../cluster/remote-route.js';
import type { Handoff } from '../cluster/handoff.js';
import { transition } from './lifecycle.js';
import { assertTakesTurns, breachedLimit, describeReason } from './limits.js';
import { findInstance } from './queries.js';
import type { SendResult } from './results.js';
import { terminate } from './terminate.js';
import { TurnCalls } from './turn-calls.js';
import { takeBackLeftTurn, withTurnLease } from './turn-lease.js';
import { checkLimits, checkUsable, refusedTurn } from './turn-limits.js';
import { TurnTextStream } from './turn-text.js';
import { proofOf, recordCompletedTurn, recordFailedTurn, sendResult, turnWarnings, type TurnLease } from './turn-end.js';
import { exhaustedBy, promptTokensOf, type Conversation } from './turn-fit.js';
import { secondsToTimerMs } from '../domain/timer-ms.js';

export interface SendOptions {
  /** Aborts the turn (the instance stays usable). */
  readonly signal?: AbortSignal;
  /** Answers a claude-code agent's permission asks for this and later turns (the caller's MCP client). */
  readonly askPermission?: AskPermission;
  /** Asks the caller's client whether to raise a budget that refuses one of this turn's model calls (MCP elicitation). */
  readonly askBudget?: AskBudget;
  readonly onText?: (text: string) => void;
  /** Where the turn is: "handed to node X", "running on node X" (a send handed to the node hosting a claude-code instance). */
  readonly onProgress?: (message: string) => void;
}

/** What ends a send: its own timeout, and that or shutdown or the caller's abort (`waitSignal`). */
interface TurnBounds {
  readonly timeout: AbortSignal;
  readonly timeoutMs: number;
  /** When the timeout ends, on the kernel's clock (a backend refuses a longer wait at once, saying when to retry). */
  readonly deadlineMs: number;
  readonly waitSignal: AbortSignal;
}

/** Runs the delegation tools an instance's turn calls (see delegation.ts). */
export type ToolExecutorFor = (record: InstanceRecord) => (name: string, input: unknown, signal: AbortSignal) => Promise<ToolExecution>;

/**
 * The turn pipeline: queue → lease → hold the first model call → write the user's message → the backend's
 * calls, each held and settled → write the reply. Every model call is held against every budget above the
 * instance before it is made; a failed turn keeps the charge of the calls it made.
 */
export class Turns {
  /** Who answers an instance's permission asks now: the client of its latest send (MCP elicitation). */
  readonly #askers = new Map<string, AskPermission>();
  /** Who answers budget questions of running turns, so the turns they delegate ask the same client. */
  readonly #budgetAskers = new BudgetAskers();
  /** Sends running in this process, so shutdown can let them finish. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly k: Kernel,
    private readonly delegationTools: ToolExecutorFor,
    /** The hand-off to other nodes (a PostgreSQL store), once started; without it a send to another live node's instance is refused. */
    private readonly handoff: () => Pick<Handoff, 'send'> | undefined = () => undefined,
  ) {}

  /** Sends still running (shutdown waits for them). */
  get inFlight(): ReadonlySet<Promise<unknown>> {
    return this.#inFlight;
  }

  /** Validates a send without running it, so bad input fails at once rather than inside a background task. */
  async prepare(raw: SendInput): Promise<SendInput> {
    const input = parseInput(sendInputSchema, raw);
    const record = await findInstance(this.k.store, input.instance_id);
    assertTakesTurns(record);
    if (this.handoff() && (await remoteNode(this.k, record))) return input;
    await placeSend(this.k, record);
    await this.k.backends.ready(record.backend);
    return input;
  }

  /** One conversational turn: the instance sees its whole history plus this message. */
  async send(raw: SendInput, options: SendOptions = {}): Promise<SendResult> {
    const { k } = this;
    const input = parseInput(sendInputSchema, raw);
    const id = input.instance_id;
    const target = await findInstance(k.store, id);
    // A send without its own asker (a parent's message_instance) asks the client of the turn that delegated it.
    const askBudget = options.askBudget ?? (await this.#budgetAskers.ofAncestor(k.store, target));
    if (askBudget) options = { ...options, askBudget };
    await checkUsable(k, target, options.askBudget !== undefined);
    // A claude-code instance runs where its agent and workspace are: on another live node (handed to it), here, or nowhere (`unavailable`).
    const handoff = this.handoff();
    const remote = handoff ? await remoteNode(k, target) : undefined;
    if (handoff && remote) return this.#handedOff(handoff, remote, input, options);
    await placeSend(k, target);
    await k.backends.ready(target.backend);
    if (options.askPermission) this.#askers.set(id, options.askPermission);
    const timeoutMs = secondsToTimerMs(input.timeout_seconds ?? k.config.sendTimeoutSeconds);
    const timeout = AbortSignal.timeout(timeoutMs);
    const waitSignal = AbortSignal.any([timeout, k.shutdown, ...(options.signal ? [options.signal] : [])]);
    // The turn may run later, after queued ones: its span is a child of this send's caller, not of whatever ran before it.
    const deadlineMs = k.clock.now() + timeoutMs;
    const caller = captureContext();
    const turn = k.queue.run(id, waitSignal, () =>
      inContext(caller, () =>
        turnSpan(target, async (span) => {
          const bounds = { timeout, timeoutMs, deadlineMs, waitSignal };
          const result = await withTurnLease(k, id, waitSignal, (lease) => this.#turn(id, input.message, bounds, options, lease));
          turnFinished(span, result);
          return result;
        }),
      ),
    );
    this.#inFlight.add(turn);
    try {
      return await turn;
    } catch (error) {
      const failure = toOrchestratorError(error);
      if (timeout.aborted && failure.details?.['budget_wait'] !== true) throw timeoutError(id, timeoutMs);
      throw failure;
    } finally {
      this.#inFlight.delete(turn);
    }
  }

  /** A send run by the node hosting the instance: the same bounds as a local send, the same result and errors. */
  async #handedOff(handoff: Pick<Handoff, 'send'>, node: Owner, input: SendInput, options: SendOptions): Promise<SendResult> {
    const { k } = this;
    const timeoutMs = secondsToTimerMs(input.timeout_seconds ?? k.config.sendTimeoutSeconds);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, k.shutdown, ...(options.signal ? [options.signal] : [])]);
    const turn = handoff.send(node, input, { signal, timeoutMs, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    this.#inFlight.add(turn);
    try {
      return await turn;
    } catch (error) {
      if (timeout.aborted) throw timeoutError(input.instance_id, timeoutMs);
      throw toOrchestratorError(error);
    } finally {
      this.#inFlight.delete(turn);
    }
  }

  async #turn(id: string, message: string, bounds: TurnBounds, options: SendOptions, lease: TurnLease): Promise<SendResult> {
    const { k } = this;
    // Re-read after waiting: an earlier turn (here or on another server) may have ended the instance.
    let record = await findInstance(k.store, id);
    // Still busy though we hold its lease: the server of that turn stopped (its lease ran out) before recovery
    // took it back. No turn of it can be running now, so end that one here, as recovery would.
    if (record.state === 'busy') record = await takeBackLeftTurn(k, record);
    await checkLimits(k, record, options.askBudget !== undefined);
    const session = await k.sessions.of(record);
    const history: Conversation = (await k.store.conversation(id)).map((m) => ({ role: m.role, content: m.content }));
    const lifetime = AbortSignal.timeout(Math.max(1, expiresAtMs(record) - k.clock.now()));
    const signal = AbortSignal.any([bounds.waitSignal, lifetime]);
    const promptTokens = promptTokensOf(k, record, [...history, { role: 'user', content: message }]);

    // The first call's hold and the turn's start (busy, the user's message) are one transaction: a send that
    // can't get its hold leaves no trace, and an acknowledged message is never lost.
    let calls!: TurnCalls;
    let userSeq = 0;
    const first: CallHold = await k.holds
      .acquire(id, { promptTokens }, signal, {
        onSettled: (charge) => calls.record(charge),
        withGrant: async (tx, instance) => {
          await transition(tx, k.events, instance, 'busy', 'turn_started', isoNow(k));
          const user = await tx.appendMessage(id, { role: 'user', content: message, at: isoNow(k) });
          tx.onCommit(() => k.events.publish({ type: 'turn.started', at: user.at, instanceId: id, seq: user.seq, chars: message.length }));
          userSeq = user.seq;
        },
        ...(options.askBudget ? { ask: options.askBudget } : {}),
      })
      .catch(async (error: unknown) => {
        throw await refusedTurn(k, record, history, error, options.askBudget !== undefined);
      });
    calls = new TurnCalls(k.holds, id, { hold: first, promptTokens }, options.askBudget);
    const started = k.clock.now();
    // The reply as it streams (progress for the dashboard); what is pending goes out before turn.settled.
    const text = new TurnTextStream((offset, chunk) => k.events.publish({ type: 'turn.text', at: isoNow(k), instanceId: id, seq: userSeq, offset, text: chunk }));
    let result: TurnResult;
    try {
      k.log.info({ instanceId: id, chars: message.length, maxTokens: first.maxTokens }, 'turn started');
      result = await this.#budgetAskers.during(id, options.askBudget, () =>
        this.#callBackend(session, record, history, message, calls, signal, options, text, Math.min(bounds.deadlineMs, expiresAtMs(record))),
      );
    } catch (error) {
      text.close();
      await calls.close();
      const failure = lifetime.aborted
        ? new OrchestratorError('limit_exceeded', `Instance ${id} reached the end of its lifetime (timeout_minutes=${record.limits.timeoutMinutes}) during the turn and was terminated.`)
        : bounds.timeout.aborted
          ? timeoutError(id, bounds.timeoutMs)
          : toOrchestratorError(error);
      await recordFailedTurn(k, id, userSeq, failure, calls, k.clock.now() - started, lease);
      k.log.warn({ instanceId: id, code: failure.code, err: failure.message }, 'turn failed');
      if (lifetime.aborted) await terminate(k, id, 'timeout');
      throw failure;
    }
    text.close();
    await calls.close();
    return this.#completed(record, history, message, result, calls, userSeq, lease, options.askBudget !== undefined);
  }

  #callBackend(
    session: Session,
    record: InstanceRecord,
    history: Conversation,
    message: string,
    calls: TurnCalls,
    signal: AbortSignal,
    options: SendOptions,
    text: TurnTextStream,
    deadlineMs: number,
  ): Promise<TurnResult> {
    const { k } = this;
    const asker = options.askPermission ?? this.#askers.get(record.id);
    return session.turn(
      { history, message, ...(record.allowDelegation ? { tools: DELEGATION_TOOLS } : {}) },
      {
        signal,
        remainingMs: () => deadlineMs - k.clock.now(),
        calls,
        onEvent: (e) => {
          if (e.type === 'text') {
            options.onText?.(e.text);
            text.push(e.text);
          }
          else if (e.type === 'retry') k.events.publish({ type: 'call.retried', at: isoNow(k), instanceId: record.id, retry: e.retry, afterMs: e.afterMs, reason: e.reason });
          else if (e.type === 'activity') k.activity.report(record.id, e.activity, e.tool);
          else k.events.publish({ type: 'call.rate_limited', at: isoNow(k), instanceId: record.id, reason: e.reason, retryAfterMs: e.retryAfterMs });
        },
        ...(record.allowDelegation ? { executeTool: this.delegationTools(record) } : {}),
        // Permission asks go to the client of this send or of the latest one, else of the nearest ancestor that has
        // one (its turn delegated this), else to the approvals queue (src/approvals; it publishes approval.waiting/settled).
        askPermission: k.approvals.gate(record, { own: asker, ofAncestor: (id) => this.#askers.get(id) }, signal),
      },
    );
  }

  async #completed(
    record: InstanceRecord,
    history: Conversation,
    message: string,
    result: TurnResult,
    calls: TurnCalls,
    userSeq: number,
    lease: TurnLease,
    askable: boolean,
  ): Promise<SendResult> {
    const { k } = this;
    const proof = proofOf(record, result, calls);
    let after = await recordCompletedTurn(k, record.id, result, calls, userSeq, lease, proof);
    await pauseAt('after-commit');
    const warnings = turnWarnings(result, calls.costNanos);
    // At its own spend limit, an instance whose caller can be asked to raise it stays: its next send asks.
    const breached =
      breachedLimit(after, k.clock.now(), { askable }) ??
      (askable ? null : exhaustedBy(k, after, [...history, { role: 'user', content: message }, { role: 'assistant', content: result.text }]));
    if (breached) {
      await terminate(k, record.id, breached);
      after = await findInstance(k.store, record.id);
      warnings.push(`Instance terminated after this turn: ${describeReason(breached)}.`);
    }
    return sendResult(after, result, calls, warnings, proof);
  }
}

function timeoutError(id: string, timeoutMs: number): OrchestratorError {
  return new OrchestratorError('timeout', `No reply from instance ${id} within ${timeoutMs / 1000} s; the turn was aborted and the instance stays usable. Retry with a larger timeout_seconds.`);
}
