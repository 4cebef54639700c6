import { errorMessage, OrchestratorError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/instance.js';
import { NANOS_PER_USD } from '../pricing/cost.js';
import type { Store } from '../store/store.js';
import type { SpentBudget } from '../orchestrator/budget.js';
import type { EventBus } from '../orchestrator/events.js';
import { budgetKey, budgetQuestion, type AskBudget, type BudgetAnswer, type BudgetHolder } from './budget-question.js';
import type { GlobalBudget } from './global-budget.js';

export interface BudgetAsksDeps {
  readonly store: Store;
  readonly events: EventBus;
  readonly global: GlobalBudget;
  readonly now: () => number;
  /** How long a question waits for its answer (BUDGET_ASK_TIMEOUT_SECONDS). */
  readonly timeoutMs: number;
}

/** How an ask ended: the budget was raised (try the hold again), or not, and why, as a user reads it. */
export type AskOutcome = { readonly raised: true } | { readonly raised: false; readonly why: string };

/** What an instance waiting for a budget answer is shown to wait for (its activity's tool). */
export const RAISE_BUDGET = 'raise_budget';

interface OpenQuestion {
  readonly outcome: Promise<AskOutcome>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Asks whether to raise a budget that refused a model call, and raises it when the user agrees: an
 * instance's (own or an ancestor's) limit in the store, in one transaction, or the global one on this
 * server. One question per budget at a time: calls refused by the same budget while it is open wait for
 * its answer (a fan-out hitting a shared budget asks once). A question nobody waits for any more is
 * withdrawn; one not answered within the timeout counts as no.
 */
export class BudgetAsks {
  readonly #deps: BudgetAsksDeps;
  readonly #open = new Map<string, OpenQuestion>();

  constructor(deps: BudgetAsksDeps) {
    this.#deps = deps;
  }

  /** Asks through `ask` (or joins the open question about the same budget); `asking` is the instance whose call was refused. */
  async ask(asking: InstanceRecord, budget: SpentBudget, ask: AskBudget, signal: AbortSignal): Promise<AskOutcome> {
    const key = budgetKey(budget);
    let open = this.#open.get(key);
    if (!open) {
      const controller = new AbortController();
      const outcome = this.#question(asking, budget, ask, controller.signal).finally(() => this.#open.delete(key));
      open = { outcome, controller, waiters: 0 };
      this.#open.set(key, open);
    }
    const question = open;
    question.waiters += 1;
    // Liveness shows the instance waiting for the user (waiting_for_approval), not thinking or stalled.
    const at = () => new Date(this.#deps.now()).toISOString();
    this.#deps.events.publish({ type: 'approval.waiting', at: at(), instanceId: asking.id, tool: RAISE_BUDGET });
    let raised = false;
    try {
      const outcome = await untilAborted(question.outcome, signal);
      raised = outcome.raised;
      return outcome;
    } finally {
      this.#deps.events.publish({ type: 'approval.settled', at: at(), instanceId: asking.id, allowed: raised });
      question.waiters -= 1;
      if (question.waiters === 0) question.controller.abort(new OrchestratorError('cancelled', 'Nobody waits for this answer any more.'));
    }
  }

  async #question(asking: InstanceRecord, budget: SpentBudget, ask: AskBudget, withdrawn: AbortSignal): Promise<AskOutcome> {
    const { timeoutMs } = this.#deps;
    const question = budgetQuestion(budget, asking, await this.#holder(budget));
    if (withdrawn.aborted) return { raised: false, why: 'the turn was cancelled' };
    const timeout = AbortSignal.timeout(timeoutMs);
    let answer: BudgetAnswer;
    let failure: string | undefined;
    try {
      answer = await ask(question, AbortSignal.any([withdrawn, timeout]));
    } catch (error) {
      answer = { action: 'cancel' };
      failure = timeout.aborted ? `nobody answered within ${Math.ceil(timeoutMs / 1000)} s (BUDGET_ASK_TIMEOUT_SECONDS)` : `the question failed (${errorMessage(error)})`;
    }
    if (answer.action !== 'accept' || !(answer.add > 0)) {
      const why = failure ?? (answer.action === 'accept' ? 'the user asked to add nothing' : answer.action === 'decline' ? 'the user declined' : 'the user cancelled the question');
      const how = failure !== undefined ? (timeout.aborted ? 'timeout' : 'failed') : answer.action === 'accept' ? 'decline' : answer.action;
      this.#publishDeclined(asking.id, budget, how);
      return { raised: false, why };
    }
    // A raise below what the call needs would only ask again: the schema says so, and the least that fits is applied.
    const add = Math.max(question.minimum, answer.add);
    await this.#raise(asking.id, budget, question.unit === 'tokens' ? Math.ceil(add) : Math.ceil(add * NANOS_PER_USD));
    return { raised: true };
  }

  /** The budget's instance and its top spending live children, for the question (none for the global budget). */
  async #holder(budget: SpentBudget): Promise<BudgetHolder | undefined> {
    if (budget.instanceId === null) return undefined;
    const { store } = this.#deps;
    const self = await store.getInstance(budget.instanceId);
    if (!self) return undefined;
    const spent = (c: InstanceRecord) => (budget.kind === 'tokens' ? c.subtree.tokens : c.subtree.costNanos);
    // Live children only: their number is capped (MAX_CHILDREN_PER_PARENT), so this read stays bounded.
    const children = await store.childrenOf(self.id, { liveOnly: true });
    const topChildren = [...children].sort((a, b) => spent(b) - spent(a)).slice(0, 3).filter((c) => spent(c) > 0);
    return { self, topChildren };
  }

  /** Adds `amount` (tokens or nano-dollars) to the budget: the instance's limit in the store, or the global one here. */
  async #raise(askingId: string, budget: SpentBudget, amount: number): Promise<void> {
    const { store, events, global } = this.#deps;
    const at = new Date(this.#deps.now()).toISOString();
    const ref = { instanceId: budget.instanceId, kind: budget.kind };
    const holderId = budget.instanceId;
    if (holderId === null) {
      const from = global.nanos;
      const to = global.raise(amount);
      events.publish({ type: 'budget.raised', at, instanceId: askingId, budget: ref, from, to });
      return;
    }
    await store.transaction(async (tx) => {
      const current = await tx.getInstance(holderId);
      if (!current) throw new OrchestratorError('not_found', `Instance not found: ${JSON.stringify(holderId)}.`, { instance_id: holderId });
      // Added to the limit as it is now: a raise made meanwhile (another server's question) is kept.
      const from = budget.kind === 'tokens' ? current.limits.maxTotalTokens : (current.limits.maxCostNanos ?? 0);
      const to = from + amount;
      const limits = budget.kind === 'tokens' ? { ...current.limits, maxTotalTokens: to } : { ...current.limits, maxCostNanos: to };
      await tx.patchInstance(current, { limits });
      tx.onCommit(() => events.publish({ type: 'budget.raised', at, instanceId: askingId, budget: ref, from, to }));
    });
  }

  #publishDeclined(askingId: string, budget: SpentBudget, answer: 'decline' | 'cancel' | 'timeout' | 'failed'): void {
    this.#deps.events.publish({
      type: 'budget.declined',
      at: new Date(this.#deps.now()).toISOString(),
      instanceId: askingId,
      budget: { instanceId: budget.instanceId, kind: budget.kind },
      answer,
    });
  }
}

/** The outcome, or "cancelled" as soon as `signal` aborts (the caller then reads the signal). */
function untilAborted(outcome: Promise<AskOutcome>, signal: AbortSignal): Promise<AskOutcome> {
  if (signal.aborted) return Promise.resolve({ raised: false, why: 'the turn was cancelled' });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ raised: false, why: 'the turn was cancelled' });
    signal.addEventListener('abort', onAbort, { once: true });
    outcome.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
