import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageFromApi } from '../domain/usage.js';
import { addCost, costNanos, findPrice, nanosToUsd, usdToNanos } from './cost.js';
import { holdRates } from '../orchestrator/budget.js';
import { loadPriceTable } from './load-price-table.js';
import { BUILTIN_PRICE_TABLE } from './price-table.js';

const table = BUILTIN_PRICE_TABLE;

describe('cost', () => {
  it('prices every token kind at its own rate, in exact nano-dollars', () => {
    // Sonnet 5.5: $2 in, $10 out, $2.50 5m write, $4 1h write, $0.10 read per MTok.
    const usage = usageFromApi({
      input_tokens: 1000,
      output_tokens: 500,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 2000,
      cache_creation: { ephemeral_1h_input_tokens: 100, ephemeral_5m_input_tokens: 200 },
    });
    const expected = 1000 * 2000 + 500 * 10000 + 200 * 2500 + 100 * 4000 + 2000 * 100;
    expect(costNanos(table, 'claude-sonnet-5-5', usage)).toBe(expected);
    expect(nanosToUsd(expected)).toBeCloseTo(0.0081, 12);
  });

  it('gives null, never 0, for a model with no price', () => {
    expect(costNanos(table, 'claude-unknown-9', usageFromApi({ input_tokens: 5 }))).toBeNull();
    expect(addCost(10, null)).toBeNull();
    expect(addCost(10, 5)).toBe(15);
    expect(nanosToUsd(null)).toBeNull();
  });

  it("prices a model named after an Object.prototype key as unpriced, not as the prototype's member", () => {
    for (const model of ['constructor', '__proto__', 'toString', 'hasOwnProperty-20250101']) {
      expect(findPrice(table, model)).toBeUndefined();
      expect(costNanos(table, model, usageFromApi({ input_tokens: 10, output_tokens: 10 }))).toBeNull();
      expect(holdRates(table, model)).toBeNull();
    }
  });

  it('resolves dated snapshot ids to their model', () => {
    expect(findPrice(table, 'claude-haiku-4-5-20251001')).toBe(table.models['claude-haiku-4-5']);
  });

  it('bills the higher band when the prompt passes a model threshold', () => {
    const small = usageFromApi({ input_tokens: 100_000, output_tokens: 0 });
    const big = usageFromApi({ input_tokens: 100_001, output_tokens: 0 });
    expect(costNanos(table, 'claude-haiku-5-5', small)).toBe(100_000 * 100);
    expect(costNanos(table, 'claude-haiku-5-5', big)).toBe(100_001 * 500);
  });

  it('sums many small turns exactly', () => {
    let total = 0;
    for (let i = 0; i < 1000; i++) total += costNanos(table, 'claude-haiku-5-5', usageFromApi({ input_tokens: 7, output_tokens: 3 })) ?? 0;
    expect(total).toBe(1000 * (7 * 100 + 3 * 500));
    expect(usdToNanos(1.5)).toBe(1_500_000_000);
  });

  it('loads a user price file over the built-in table and rejects a bad one clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const good = join(dir, 'prices.json');
    writeFileSync(good, JSON.stringify({ asOf: '2027-01-01', models: { 'my-model': { input: 1, output: 2 } } }));
    const loaded = loadPriceTable(good);
    expect(loaded.asOf).toBe('2027-01-01');
    expect(loaded.models['my-model']).toEqual({ input: 1, output: 2, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 });
    expect(loaded.models['claude-sonnet-5-5']).toBeDefined();
    expect(loadPriceTable(undefined)).toBe(BUILTIN_PRICE_TABLE);

    const odd = join(dir, 'odd.json');
    writeFileSync(odd, '{"models": {"__proto__": {"input": 1, "output": 2}, "constructor": {"input": 3, "output": 4}}}');
    const oddTable = loadPriceTable(odd);
    expect(Object.getPrototypeOf(oddTable.models)).toBe(Object.prototype);
    expect(findPrice(oddTable, '__proto__')?.output).not.toBe(Object.prototype);
    expect(findPrice(oddTable, 'constructor')?.output).toBe(4);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ models: { x: { input: -1 } } }));
    expect(() => loadPriceTable(bad)).toThrow(/not valid/);
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/Cannot read/);
  });
});
