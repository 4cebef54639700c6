import { promptTokens, type Usage } from '../domain/usage.js';
import { costNanos } from './cost.js';
import type { PriceTable } from './price-table.js';

/**
 * What prompt caching saved on `usage`, in nano-dollars: what the same tokens would have cost with
 * every prompt token billed as plain input, minus what they did cost. Measured from the usage the API
 * reported, never assumed. Negative when writes outweigh reads (a first turn pays 1.25× or 2× to
 * write); null when the model has no price. Compute it per turn and sum the results, as with cost:
 * some models price a request by its own prompt size, which a summed usage no longer shows.
 */
export function cacheSavingsNanos(table: PriceTable, model: string, usage: Usage): number | null {
  const actual = costNanos(table, model, usage);
  const uncached = costNanos(table, model, {
    inputTokens: promptTokens(usage),
    outputTokens: usage.outputTokens,
    cacheCreationInputTokens: 0,
    cacheCreation1hInputTokens: 0,
    cacheReadInputTokens: 0,
  });
  return actual === null || uncached === null ? null : uncached - actual;
}
