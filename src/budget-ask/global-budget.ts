import { nanosToUsd, usdToNanos } from '../pricing/cost.js';

/**
 * The global cost budget this server holds model calls against: MAX_TOTAL_COST, plus what users agreed to
 * add when asked. A raise lives in this server's memory until it restarts (MAX_TOTAL_COST is its
 * configuration, and each server on a shared store has its own); set MAX_TOTAL_COST to keep it.
 */
export class GlobalBudget {
  #nanos: number;

  constructor(maxTotalCostUsd: number) {
    this.#nanos = usdToNanos(maxTotalCostUsd);
  }

  get nanos(): number {
    return this.#nanos;
  }

  get usd(): number {
    return nanosToUsd(this.#nanos) ?? 0;
  }

  /** Adds `nanos` (a positive amount); returns the new budget. */
  raise(nanos: number): number {
    this.#nanos += Math.max(0, nanos);
    return this.#nanos;
  }
}
