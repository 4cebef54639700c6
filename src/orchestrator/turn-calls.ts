import type { CallBudget, CallHold, HoldRequest } from '../backends/call-budget.js';
import type { AskBudget } from '../budget-ask/budget-question.js';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage.js';
import { addCost } from '../pricing/cost.js';
import type { CallCharge, Holds } from './holds.js';

/**
 * The budget one turn's backend holds its model calls against. The first call's hold was taken before the
 * turn started (so a send that can't get one is refused before anything is written); every later call takes
 * its own. It sums what the settled calls were charged: the turn's usage and cost, kept even if it fails.
 */
export class TurnCalls implements CallBudget {
  #first: { hold: CallHold; promptTokens: number } | undefined;
  #usage: Usage = ZERO_USAGE;
  #costNanos: number | null = 0;
  #savingsNanos: number | null = 0;
  #settled = 0;
  #lastModel = '';

  constructor(
    private readonly holds: Holds,
    private readonly instanceId: string,
    first: { hold: CallHold; promptTokens: number },
    /** Asks the caller's client to raise a budget that refuses a later call of the turn (its agent's, a delegation round's). */
    private readonly ask?: AskBudget,
  ) {
    this.#first = first;
  }

  /** Settles into this turn's sums; pass it as `onSettled` when acquiring the first hold. */
  readonly record = (charge: CallCharge): void => {
    this.#usage = addUsage(this.#usage, charge.usage);
    this.#costNanos = addCost(this.#costNanos, charge.costNanos);
    this.#savingsNanos = addCost(this.#savingsNanos, charge.cacheSavingsNanos);
    this.#settled += 1;
    this.#lastModel = charge.model;
  };

  async hold(request: HoldRequest, signal: AbortSignal): Promise<CallHold> {
    const first = this.#first;
    this.#first = undefined;
    if (first) {
      if (request.promptTokens <= first.promptTokens) return first.hold;
      // The call's prompt is bigger than the first hold was taken for: hold it afresh.
      await first.hold.release();
    }
    return this.holds.acquire(this.instanceId, request, signal, { onSettled: this.record, ...(this.ask ? { ask: this.ask } : {}) });
  }

  /** Frees the first hold if no call used it (the turn failed before its first model call). */
  async close(): Promise<void> {
    const first = this.#first;
    this.#first = undefined;
    await first?.hold.release();
  }

  get usage(): Usage {
    return this.#usage;
  }

  get costNanos(): number | null {
    return this.#costNanos;
  }

  get cacheSavingsNanos(): number | null {
    return this.#savingsNanos;
  }

  /** Model calls settled so far. */
  get calls(): number {
    return this.#settled;
  }

  /** The model of the last settled call ('' before any). */
  get lastModel(): string {
    return this.#lastModel;
  }
}
