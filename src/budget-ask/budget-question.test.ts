import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../domain/usage.js';
import type { SpentBudget } from '../orchestrator/budget.js';
import { budgetQuestion, raiseHint } from './budget-question.js';

const asking = { id: 'inst_c', name: 'cy' };
const holder = {
  self: { id: 'inst_lead', name: 'lead', role: 'architect' as const, usage: { ...ZERO_USAGE, inputTokens: 100, outputTokens: 20 }, costNanos: 1_000_000, turns: 1 },
  topChildren: [
    { name: 'ana', subtree: { tokens: 4_108, costNanos: 30_000_000 } },
    { name: 'bo', subtree: { tokens: 2_821, costNanos: 20_000_000 } },
  ],
};

describe('budgetQuestion', () => {
  it("names an ancestor's token budget, what it and its children spent, what the call needs, and proposes +50 % or what it wants", () => {
    const budget: SpentBudget = { instanceId: 'inst_lead', kind: 'tokens', limit: 7_000, spent: 7_049, needed: 364, wanted: 4_108 };
    const q = budgetQuestion(budget, asking, holder);
    expect(q.message).toContain('Budget reached: the max_total_tokens of "lead" (inst_lead) (the model call is cy\'s, inst_c) has 0 tokens left of 7,000 tokens; 7,049 tokens spent.');
    expect(q.message).toContain('Spent on: lead itself ~120 tokens in 1 turn; its children: ana 4,108 tokens, bo 2,821 tokens.');
    expect(q.message).toContain('needs 364 tokens more');
    expect(q).toMatchObject({ key: 'inst_lead:tokens', unit: 'tokens', minimum: 364, proposed: 4_108 });
    expect(budgetQuestion({ ...budget, wanted: 100 }, asking, holder).proposed).toBe(3_500);
  });

  it('words a cost budget in dollars, rounded up so the minimum always covers the need', () => {
    const budget: SpentBudget = { instanceId: 'inst_c', kind: 'cost', limit: 10_000_000, spent: 9_990_000, needed: 1_234_567, wanted: 3_000_000 };
    const q = budgetQuestion(budget, asking, undefined);
    expect(q.message).toMatch(/^Budget reached: the max_cost of inst_c has \$0\.0000 left of \$0\.0100; \$0\.0100 spent\./);
    expect(q).toMatchObject({ unit: 'usd', minimum: 0.0013, proposed: 0.005 });
  });

  it('says a raise of the global budget lasts on this server until it restarts', () => {
    const q = budgetQuestion({ instanceId: null, kind: 'cost', limit: 1e9, spent: 1e9, needed: 1, wanted: 1 }, asking, undefined);
    expect(q.message).toMatch(/global budget MAX_TOTAL_COST .*\n.*every instance[\s\S]*on this server, until it restarts/);
    expect(q.key).toBe('global:cost');
  });
});

describe('raiseHint', () => {
  it('tells how each kind of budget is raised', () => {
    expect(raiseHint({ instanceId: 'inst_c', kind: 'tokens' }, 'inst_c')).toMatch(/MCP elicitation.*larger max_total_tokens/);
    expect(raiseHint({ instanceId: 'inst_lead', kind: 'cost' }, 'inst_c')).toMatch(/it raises the max_cost of inst_lead/);
    expect(raiseHint({ instanceId: null, kind: 'cost' }, 'inst_c')).toMatch(/raise MAX_TOTAL_COST/);
  });
});
