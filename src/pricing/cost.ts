import { type Usage, promptTokens } from '../domain/usage.js';
import type { ModelPrice, PriceTable, Rates } from './price-table.js';

/** Nano-dollars per USD. Costs are summed as integers so totals stay exact. */
export const NANOS_PER_USD = 1_000_000_000;

/** Finds a model's price: exact id first, then the id without a `-YYYYMMDD` snapshot suffix. */
export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  // Own entries only: a model named "constructor" or "__proto__" is unpriced, not Object.prototype's.
  const own = (id: string) => (Object.hasOwn(table.models, id) ? table.models[id] : undefined);
  return own(model) ?? own(model.replace(/-\d{8}$/, ''));
}

/**
 * $X per million tokens is X * 1000 nano-dollars per token. Published rates have at most three decimals,
 * so this is a whole number and every sum below stays exact.
 */
function perToken(ratePerMTok: number): number {
  return Math.round(ratePerMTok * 1000);
}

/**
 * The cost of one response's usage in nano-dollars (an integer), or null when the model has no price.
 * Unknown is never 0: the caller flags it.
 */
export function costNanos(table: PriceTable, model: string, usage: Usage): number | null {
  const price = findPrice(table, model);
  if (!price) return null;
  const band: Rates = price.above && promptTokens(usage) > price.above.promptTokens ? price.above.rates : price;
  const write1h = usage.cacheCreation1hInputTokens;
  const write5m = usage.cacheCreationInputTokens - write1h;
  return (
    usage.inputTokens * perToken(band.input) +
    usage.outputTokens * perToken(band.output) +
    write5m * perToken(band.cacheWrite5m) +
    write1h * perToken(band.cacheWrite1h) +
    usage.cacheReadInputTokens * perToken(band.cacheRead)
  );
}

export function nanosToUsd(nanos: number | null): number | null {
  return nanos === null ? null : nanos / NANOS_PER_USD;
}

export function usdToNanos(usd: number): number {
  return Math.round(usd * NANOS_PER_USD);
}

/** Adds costs where null (unknown) is absorbing: a total that includes an unknown is unknown. */
export function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}
