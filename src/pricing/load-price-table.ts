import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import { BUILTIN_PRICE_TABLE, type PriceTable } from './price-table.js';

const rate = z.number().finite().nonnegative();
const ratesSchema = z.object({
  input: rate,
  output: rate,
  cacheWrite5m: rate.optional(),
  cacheWrite1h: rate.optional(),
  cacheRead: rate.optional(),
});
const modelSchema = ratesSchema.extend({
  above: z.object({ promptTokens: z.number().int().positive(), rates: ratesSchema }).optional(),
});
const fileSchema = z.object({
  asOf: z.string().optional(),
  source: z.string().optional(),
  models: z.record(z.string().min(1), modelSchema),
});

type RatesInput = z.infer<typeof ratesSchema>;

function fill(r: RatesInput) {
  // Cache rates default to Anthropic's multipliers of base input when a file leaves them out.
  return {
    input: r.input,
    output: r.output,
    cacheWrite5m: r.cacheWrite5m ?? r.input * 1.25,
    cacheWrite1h: r.cacheWrite1h ?? r.input * 2,
    cacheRead: r.cacheRead ?? r.input * 0.1,
  };
}

/**
 * The built-in table, with the models of a user's JSON file added or replaced.
 * File shape: `{ "asOf": "2026-12-01", "models": { "<model id>": { "input": 3, "output": 15, ... } } }`, USD per MTok.
 */
export function loadPriceTable(path: string | undefined): PriceTable {
  if (!path) return BUILTIN_PRICE_TABLE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new OrchestratorError('invalid_input', `Cannot read the price table ${path}: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    throw new OrchestratorError('invalid_input', `The price table ${path} is not valid: ${z.prettifyError(result.error)}`);
  }
  const models = { ...BUILTIN_PRICE_TABLE.models };
  for (const [id, m] of Object.entries(result.data.models)) {
    // defineProperty: an id such as "__proto__" is a model entry like any other, never the object's prototype.
    const price = m.above ? { ...fill(m), above: { promptTokens: m.above.promptTokens, rates: fill(m.above.rates) } } : fill(m);
    Object.defineProperty(models, id, { value: price, enumerable: true, writable: true, configurable: true });
  }
  return {
    asOf: result.data.asOf ?? BUILTIN_PRICE_TABLE.asOf,
    source: result.data.source ?? path,
    models,
  };
}
