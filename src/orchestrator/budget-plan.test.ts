import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../domain/instance.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { record } from '../test-support/records.js';
import { holdRates, planHold, type HoldPlanInput } from './budget.js';

const node = (id: string, o: { max?: number; spent?: number; held?: number; maxCost?: number | null; spentNanos?: number; heldNanos?: number; parentId?: string } = {}): InstanceRecord =>
  record(id, {
    parentId: o.parentId ?? null,
    limits: { maxTotalTokens: o.max ?? 10_000, maxCostNanos: o.maxCost ?? null, timeoutMinutes: 60 },
    subtree: { tokens: o.spent ?? 0, costNanos: o.spentNanos ?? 0 },
    held: { tokens: o.held ?? 0, nanos: o.heldNanos ?? 0 },
  });

const plan = (input: Partial<HoldPlanInput>) =>
  planHold({
    chain: [node('self')],
    global: { budgetNanos: 100e9, spentNanos: 0, heldNanos: 0 },
    rates: holdRates(BUILTIN_PRICE_TABLE, 'claude-sonnet-5-5'),
    promptTokens: 1_000,
    wantedMaxTokens: 8_192,
    minOutputTokens: 256,
    ...input,
  });

describe('planHold', () => {
  it('grants the wanted output when every budget has room, holding the prompt plus the output at the dearest rates', () => {
    const rates = holdRates(BUILTIN_PRICE_TABLE, 'claude-sonnet-5-5');
    expect(plan({})).toEqual({ kind: 'grant', maxTokens: 8_192, tokens: 9_192, nanos: 1_000 * (rates?.prompt ?? 0) + 8_192 * (rates?.output ?? 0) });
  });

  it('caps the output to what the tightest budget leaves after the spend and the holds in flight', () => {
    expect(plan({ chain: [node('self', { max: 20_000, spent: 5_000, held: 10_000 })] })).toMatchObject({ kind: 'grant', maxTokens: 4_000 });
    const chain = [node('self', { max: 50_000, parentId: 'parent' }), node('parent', { max: 3_000, spent: 1_000 })];
    expect(plan({ chain })).toMatchObject({ kind: 'grant', maxTokens: 1_000 });
  });

  it('waits, rather than granting a sliver, when calls in flight hold what a useful reply needs', () => {
    const outcome = plan({ chain: [node('self', { max: 10_000, spent: 1_000, held: 7_900 })] });
    expect(outcome).toMatchObject({ kind: 'wait' });
    expect(outcome.kind === 'wait' && outcome.reason).toMatch(/calls in flight hold what is left of its max_total_tokens/);
  });

  it('refuses, naming the binding limit, once the spend alone leaves no room for the prompt and a useful reply', () => {
    expect(plan({ chain: [node('self', { max: 1_200, spent: 0 })] })).toMatchObject({ kind: 'refuse', binding: 'limit:tokens' });
    const chain = [node('self', { parentId: 'p' }), node('p', { max: 2_000, spent: 1_000 })];
    const shared = plan({ chain });
    expect(shared).toMatchObject({ kind: 'refuse', binding: 'shared' });
    expect(shared.kind === 'refuse' && shared.reason).toMatch(/token budget of its ancestor p/);
    expect(plan({ chain: [node('self', { maxCost: 1_000_000 })] })).toMatchObject({ kind: 'refuse', binding: 'limit:cost' });
    const global = plan({ global: { budgetNanos: 5_000_000, spentNanos: 4_000_000, heldNanos: 0 } });
    expect(global).toMatchObject({ kind: 'refuse', binding: 'shared' });
    expect(global.kind === 'refuse' && global.reason).toMatch(/MAX_TOTAL_COST/);
  });

  it('says which budget refused, what it holds and counts, and how far it must rise for a useful reply or the whole one', () => {
    // 1,000 prompt tokens + 256 (or 8,192) output don't fit the 200 tokens the parent has left: short by 1,056 (or 8,992).
    const chain = [node('self', { parentId: 'p' }), node('p', { max: 2_000, spent: 1_800 })];
    expect(plan({ chain })).toMatchObject({ kind: 'refuse', budget: { instanceId: 'p', kind: 'tokens', limit: 2_000, spent: 1_800, needed: 1_056, wanted: 8_992 } });
    const rates = holdRates(BUILTIN_PRICE_TABLE, 'claude-sonnet-5-5');
    const cost = plan({ chain: [node('self', { maxCost: 1_000_000 })] });
    const perToken = rates?.output ?? 0;
    const short = 256 - Math.floor((1_000_000 - 1_000 * (rates?.prompt ?? 0)) / perToken);
    expect(cost).toMatchObject({ kind: 'refuse', budget: { instanceId: 'self', kind: 'cost', limit: 1_000_000, spent: 0, needed: Math.ceil(short * perToken) } });
    const global = plan({ global: { budgetNanos: 5_000_000, spentNanos: 4_000_000, heldNanos: 0 } });
    expect(global).toMatchObject({ kind: 'refuse', budget: { instanceId: null, kind: 'cost', limit: 5_000_000, spent: 4_000_000 } });
  });

  it('counts the minimum at most as the wanted output, and cost budgets not at all for an unpriced model', () => {
    expect(plan({ chain: [node('self', { max: 1_150 })], wantedMaxTokens: 100 })).toMatchObject({ kind: 'grant', maxTokens: 100 });
    expect(plan({ rates: null, global: { budgetNanos: 1, spentNanos: 1, heldNanos: 0 } })).toMatchObject({ kind: 'grant', maxTokens: 8_192, nanos: 0 });
  });
});
