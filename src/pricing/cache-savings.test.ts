import { describe, expect, it } from 'vitest';
import { addUsage, usageFromApi } from '../domain/usage.js';
import { cacheSavingsNanos } from './cache-savings.js';
import { costNanos } from './cost.js';
import { BUILTIN_PRICE_TABLE } from './price-table.js';

const table = BUILTIN_PRICE_TABLE;
// Sonnet 5.5, nano-dollars per token: input 2,000; 5m write 2,500; 1h write 4,000; read 100; output 10,000.
const MODEL = 'claude-sonnet-5-5';

describe('cache savings', () => {
  it('is zero without caching', () => {
    expect(cacheSavingsNanos(table, MODEL, usageFromApi({ input_tokens: 5_000, output_tokens: 300 }))).toBe(0);
  });

  it('is what a read saved against plain input', () => {
    const read = usageFromApi({ input_tokens: 50, cache_read_input_tokens: 4_000, output_tokens: 300 });
    expect(cacheSavingsNanos(table, MODEL, read)).toBe(4_000 * (2_000 - 100));
  });

  it('is negative for a write: the first turn pays extra to cache', () => {
    const write5m = usageFromApi({ cache_creation_input_tokens: 4_000, output_tokens: 300 });
    expect(cacheSavingsNanos(table, MODEL, write5m)).toBe(-4_000 * 500);
    const write1h = usageFromApi({ cache_creation_input_tokens: 4_000, cache_creation: { ephemeral_1h_input_tokens: 4_000 }, output_tokens: 0 });
    expect(cacheSavingsNanos(table, MODEL, write1h)).toBe(-4_000 * 2_000);
  });

  it('adds up over turns, and equals the cost difference it names', () => {
    const turns = [
      usageFromApi({ cache_creation_input_tokens: 4_000, output_tokens: 200 }),
      usageFromApi({ cache_read_input_tokens: 4_000, cache_creation_input_tokens: 250, output_tokens: 200 }),
      usageFromApi({ cache_read_input_tokens: 4_250, cache_creation_input_tokens: 250, output_tokens: 200 }),
    ];
    const each = turns.map((u) => cacheSavingsNanos(table, MODEL, u) ?? 0);
    const total = turns.reduce(addUsage);
    expect(cacheSavingsNanos(table, MODEL, total)).toBe(each.reduce((a, b) => a + b, 0));
    const uncached = costNanos(table, MODEL, usageFromApi({ input_tokens: 4_000 + 4_250 + 4_500, output_tokens: 600 }));
    expect(cacheSavingsNanos(table, MODEL, total)).toBe((uncached ?? 0) - (costNanos(table, MODEL, total) ?? 0));
    expect(cacheSavingsNanos(table, MODEL, total)).toBeGreaterThan(0);
  });

  it('keeps the price band of the whole prompt, cached or not', () => {
    // Haiku 5.5 bills a prompt past 100k tokens at the higher band; caching doesn't change the band.
    const big = usageFromApi({ input_tokens: 1_000, cache_read_input_tokens: 150_000, output_tokens: 0 });
    expect(cacheSavingsNanos(table, 'claude-haiku-5-5', big)).toBe(150_000 * (500 - 50));
  });

  it('is unknown (null), never 0, for a model with no price', () => {
    expect(cacheSavingsNanos(table, 'claude-unknown-9', usageFromApi({ cache_read_input_tokens: 10 }))).toBeNull();
  });
});
