import type { CallHold, HoldRequest, SettledCall } from '../backends/call-budget.js';
import { BudgetAsks } from '../budget-ask/budget-asks.js';
import { raiseHint, type AskBudget } from '../budget-ask/budget-question.js';
import { GlobalBudget } from '../budget-ask/global-budget.js';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import { isLive, type InstanceRecord } from '../domain/instance.js';
import type { Usage } from '../domain/usage.js';
import { cacheSavingsNanos } from '../pricing/cache-savings.js';
import { costNanos, findPrice } from '../pricing/cost.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { Hold, Store, Tx } from '../store/store.js';
import { holdRates, planHold, type Binding, type HoldPlan, type HoldRates } from './budget.js';
import type { EventBus } from './events.js';

export interface HoldsDeps {
  readonly store: Store;
  readonly events: EventBus;
  readonly prices: PriceTable;
  readonly ids: IdGenerator;
  readonly now: () => number;
  /** This server: holds it leaves behind when it dies are released by recovery. */
  readonly owner: string;
  readonly settings: {
    readonly maxOutputTokens: number;
    readonly minOutputTokens: number;
    readonly maxTotalCostUsd: number;
    /** How long a question to raise a spent budget waits (default BUDGET_ASK_TIMEOUT_SECONDS's). */
    readonly budgetAskTimeoutSeconds?: number;
  };
  /** How often a call waiting for budget looks again, for holds released by other servers on the store. */
  readonly pollMs: number;
  /** Told when a settlement or release could not be written yet (it is kept and written again later). */
  readonly onDeferred: (error: unknown, holdId: string) => void;
}

/** Waits between attempts to write a settlement that failed (the store locked, say), before it is kept for later. */
const SETTLE_RETRY_MS = [50, 200, 800];

/** What a settled call was charged: for the turn that made it. */
export interface CallCharge {
  readonly usage: Usage;
  readonly costNanos: number | null;
  readonly cacheSavingsNanos: number | null;
  readonly model: string;
}

/**
 * Holds per model call: taken against the instance, each ancestor and the global budget before the call is
 * made, in one transaction shared by every server on the store; settled to the exact usage after, in
 * another. A call that finds the budget held by calls in flight waits for them; one that no longer fits
 * what is spent is refused with the binding limit.
 */
export class Holds {
  readonly #deps: HoldsDeps;
  readonly #waiters = new Set<() => void>();
  /** Settlements and releases the store refused every time so far: written again by the health check. */
  readonly #deferred = new Map<string, (tx: Tx) => Promise<void>>();
  /** The global budget calls are held against: MAX_TOTAL_COST, plus raises users agreed to on this server. */
  readonly global: GlobalBudget;
  readonly #asks: BudgetAsks;

  constructor(deps: HoldsDeps) {
    this.#deps = deps;
    this.global = new GlobalBudget(deps.settings.maxTotalCostUsd);
    const timeoutSeconds = deps.settings.budgetAskTimeoutSeconds ?? DEFAULTS.budgetAskTimeoutSeconds;
    this.#asks = new BudgetAsks({ store: deps.store, events: deps.events, global: this.global, now: deps.now, timeoutMs: timeoutSeconds * 1000 });
  }

  /**
   * Waits (abortably) for a hold for one call of `instanceId`; throws `limit_exceeded` with its binding when it
   * can't fit. `withGrant` runs in the transaction that grants the hold (a turn's start is written with its
   * first hold); if it throws, the hold is not taken. With `ask`, a refusal first asks whether to raise the
   * spent budget: raised, the hold is tried again (nothing was paid for the refused call); not, it throws.
   */
  async acquire(
    instanceId: string,
    request: HoldRequest,
    signal: AbortSignal,
    options: {
      readonly onSettled?: (charge: CallCharge) => void;
      readonly withGrant?: (tx: Tx, instance: InstanceRecord) => Promise<void>;
      readonly ask?: AskBudget;
    } = {},
  ): Promise<CallHold> {
    const { store, prices, settings } = this.#deps;
    const wanted = Math.max(1, Math.min(settings.maxOutputTokens, request.maxTokens ?? settings.maxOutputTokens));
    let waitingSince: number | undefined;
    for (;;) {
      if (signal.aborted) throw this.#abortError(signal, instanceId, waitingSince);
      const outcome = await store.transaction(async (tx) => {
        const chain = await tx.chainOf(instanceId);
        const self = chain[0];
        if (!self) throw new OrchestratorError('not_found', `Instance not found: ${JSON.stringify(instanceId)}.`, { instance_id: instanceId });
        // Terminated in the middle of its turn (its parent was, say): it makes no more calls.
        if (!isLive(self.state) || self.state === 'terminating') {
          throw new OrchestratorError('invalid_state', `Instance ${instanceId} is ${self.state}: it makes no more model calls.`, { instance_id: instanceId, state: self.state });
        }
        const totals = await tx.totals();
        const plan = planHold({
          chain,
          global: { budgetNanos: this.global.nanos, spentNanos: totals.costNanos, heldNanos: totals.heldNanos },
          // A call may ask for another model than the instance's (an agent's subagent): the dearer one prices its
          // hold, as the settlement will price it (an unpriced one is priced as the instance's model).
          rates: dearer(holdRates(prices, self.model), request.model !== undefined ? holdRates(prices, request.model) : null),
          promptTokens: request.promptTokens,
          wantedMaxTokens: wanted,
          minOutputTokens: settings.minOutputTokens,
        });
        if (plan.kind !== 'grant') return { plan, self };
        const hold: Hold = { id: this.#deps.ids('hold'), instanceId, chain: chain.map((r) => r.id), owner: this.#deps.owner, tokens: plan.tokens, nanos: plan.nanos, createdAt: this.#deps.now() };
        await tx.addHold(hold);
        await options.withGrant?.(tx, self);
        return { plan, hold, model: self.model, self };
      });
      const { plan } = outcome;
      if (plan.kind === 'grant' && outcome.hold) return new GrantedHold(this, outcome.hold, plan.maxTokens, outcome.model ?? '', options.onSettled);
      if (plan.kind === 'refuse') {
        if (!options.ask) throw refusal(plan, instanceId);
        const asked = await this.#asks.ask(outcome.self, plan.budget, options.ask, signal);
        if (asked.raised) continue;
        // Cancelled while asking: the loop's top says so.
        if (signal.aborted) continue;
        throw refusal(plan, instanceId, asked.why);
      }
      waitingSince ??= this.#deps.now();
      await this.#nextRelease(signal);
    }
  }

  /** Charges a call and frees its hold in one transaction; publishes `call.settled`. */
  async settle(hold: Hold, maxTokens: number, instanceModel: string, call: SettledCall): Promise<CallCharge> {
    const { prices, events } = this.#deps;
    // The model that answered sets the price; an answer from a model we can't price is priced as the instance's.
    const model = findPrice(prices, call.model) ? call.model : instanceModel;
    const charge: CallCharge = { usage: call.usage, costNanos: costNanos(prices, model, call.usage), cacheSavingsNanos: cacheSavingsNanos(prices, model, call.usage), model: call.model };
    await this.#land(hold.id, async (tx) => {
      // Recovery may have released a hold whose server looked gone; the call is still charged once.
      await tx.removeHold(hold.id);
      await tx.charge({ instanceId: hold.instanceId, chain: hold.chain, usage: charge.usage, costNanos: charge.costNanos, cacheSavingsNanos: charge.cacheSavingsNanos });
      tx.onCommit(() =>
        events.publish({
          type: 'call.settled',
          at: new Date(this.#deps.now()).toISOString(),
          instanceId: hold.instanceId,
          model: call.model,
          usage: call.usage,
          costNanos: charge.costNanos,
          durationMs: call.durationMs,
          maxTokens,
        }),
      );
    });
    this.wake();
    return charge;
  }

  /** Frees a hold whose call produced no usage. */
  async release(hold: Hold): Promise<void> {
    await this.#land(hold.id, async (tx) => {
      await tx.removeHold(hold.id);
    });
    this.wake();
  }

  /** Writes again the settlements and releases the store refused before; returns how many are still waiting. */
  async retryDeferred(): Promise<number> {
    for (const [holdId, write] of [...this.#deferred]) {
      try {
        await this.#deps.store.transaction(write);
        this.#deferred.delete(holdId);
      } catch (error) {
        this.#deps.onDeferred(error, holdId);
      }
    }
    if (this.#deferred.size === 0) this.wake();
    return this.#deferred.size;
  }

  /**
   * A call's settlement or release must land: the call was made (and paid for). Each is one transaction, so
   * writing it again charges once; a store that keeps refusing gets it again at the next health check.
   */
  async #land(holdId: string, write: (tx: Tx) => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#deps.store.transaction(write);
        return;
      } catch (error) {
        const wait = SETTLE_RETRY_MS[attempt];
        if (wait === undefined) {
          this.#deferred.set(holdId, write);
          this.#deps.onDeferred(error, holdId);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Wakes callers waiting for budget (after holds were freed here, or elsewhere in this process, e.g. by recovery). */
  wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Resolves when a hold of this process is freed, after the poll interval, or on abort (the caller looks at the signal). */
  #nextRelease(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.#deps.pollMs);
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      if (signal.aborted) done();
    });
  }

  #abortError(signal: AbortSignal, instanceId: string, waitingSince: number | undefined): Error {
    const reason: unknown = signal.reason;
    if (waitingSince === undefined || reason instanceof OrchestratorError) return reason instanceof Error ? reason : new OrchestratorError('cancelled', 'Cancelled.');
    const seconds = Math.round((this.#deps.now() - waitingSince) / 1000);
    return new OrchestratorError(
      'timeout',
      `Instance ${instanceId} waited ${seconds} s for budget that model calls in flight still hold, and its time ran out. Retry later, with a larger timeout_seconds, or raise the budget.`,
      { budget_wait: true },
    );
  }
}

/** A refused hold: `limit_exceeded` naming the spent budget, how to raise it, and why it was not raised when asked. */
function refusal(plan: Extract<HoldPlan, { kind: 'refuse' }>, instanceId: string, notRaised?: string): OrchestratorError {
  const { budget } = plan;
  const asked = notRaised === undefined ? '' : ` It was not raised: ${notRaised}.`;
  return new OrchestratorError('limit_exceeded', `${plan.reason}${asked} ${raiseHint(budget, instanceId)}`, {
    binding: plan.binding satisfies Binding,
    budget: { instance_id: budget.instanceId, kind: budget.kind, limit: budget.limit, spent: budget.spent, needed: budget.needed },
    ...(notRaised === undefined ? {} : { not_raised: notRaised }),
  });
}

/** Rates that cover either model's price. */
function dearer(a: HoldRates | null, b: HoldRates | null): HoldRates | null {
  if (!a || !b) return a ?? b;
  return { prompt: Math.max(a.prompt, b.prompt), output: Math.max(a.output, b.output) };
}

/** A granted hold: settled or released exactly once. */
class GrantedHold implements CallHold {
  #done = false;

  constructor(
    private readonly holds: Holds,
    private readonly hold: Hold,
    readonly maxTokens: number,
    private readonly instanceModel: string,
    private readonly onSettled: ((charge: CallCharge) => void) | undefined,
  ) {}

  async settle(call: SettledCall): Promise<void> {
    if (!this.#claim()) return;
    const charge = await this.holds.settle(this.hold, this.maxTokens, this.instanceModel, call);
    this.onSettled?.(charge);
  }

  async release(): Promise<void> {
    if (this.#claim()) await this.holds.release(this.hold);
  }

  #claim(): boolean {
    if (this.#done) return false;
    this.#done = true;
    return true;
  }
}
