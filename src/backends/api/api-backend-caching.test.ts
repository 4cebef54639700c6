import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addUsage, usageFromApi, ZERO_USAGE, type Usage } from '../../domain/usage.js';
import { cacheSavingsNanos } from '../../pricing/cache-savings.js';
import { costNanos } from '../../pricing/cost.js';
import { BUILTIN_PRICE_TABLE } from '../../pricing/price-table.js';
import { countInputTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS } from '../../simulator/token-count.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { AgentTool, TurnResult } from '../backend.js';
import { ApiBackend } from './api-backend.js';
import type { PromptCaching } from './prompt-cache.js';

/**
 * Prompt caching end to end: the backend places the breakpoints, the simulator caches the way the API
 * documents it, and the usage the backend reports is checked against numbers computed here by hand.
 */

const MODEL = 'claude-sonnet-5-5';
/** ~3,000 tokens: well past Sonnet's 1,024-token minimum. */
const SYSTEM = `You are the reviewer of a large codebase. ${'Follow the house style and explain every finding. '.repeat(240)}`;
const REPLIES = ['First, the module boundaries look right.', 'Second, the error handling needs codes.', 'Third, ship it.'];
const MESSAGES = ['Review the layout.', 'Now the errors.', 'Anything else?'];

/** What the simulator charges for one message (role overhead plus its text). */
const msg = (text: string) => MESSAGE_OVERHEAD_TOKENS + countTextTokens(text);

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ script: [{ reply: (_request, context) => REPLIES[context.requestIndex % REPLIES.length] ?? '' }] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

/** Three turns of one conversation, history carried as the orchestrator carries it (plain strings). */
async function threeTurns(caching?: PromptCaching): Promise<TurnResult[]> {
  const backend = new ApiBackend({ apiKey: 'k', baseUrl: sim.url, ...(caching ? { promptCaching: caching } : {}) });
  const session = await backend.start({ instanceId: 'inst_cache', model: MODEL, systemPrompt: SYSTEM, workspace: '/tmp', options: {} });
  const history: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  const results: TurnResult[] = [];
  for (const message of MESSAGES) {
    const result = await session.turn({ history: [...history], message }, { signal: new AbortController().signal, calls: new TestBudget(500) });
    history.push({ role: 'user', content: message }, { role: 'assistant', content: result.text });
    results.push(result);
  }
  return results;
}

function usage(input: number, write: number, read: number, reply: string, write1h = 0): Usage {
  return usageFromApi({
    input_tokens: input,
    output_tokens: countTextTokens(reply),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_1h_input_tokens: write1h, ephemeral_5m_input_tokens: write - write1h },
  });
}

describe('ApiBackend prompt caching', () => {
  it('writes the cache on the first turn and reads it on the next two, with the exact usage the API would report', async () => {
    const [first, second, third] = await threeTurns();
    const system = countTextTokens(SYSTEM);
    const [m1, m2, m3] = MESSAGES.map(msg) as [number, number, number];
    const [r1, r2] = REPLIES.map(msg) as [number, number, number];

    // Turn 1 writes system + first message; each later turn reads everything up to its previous
    // breakpoint and writes what is new (the last reply and the new message). Nothing is left uncached.
    expect(first?.usage).toEqual(usage(0, system + m1, 0, REPLIES[0] ?? ''));
    expect(second?.usage).toEqual(usage(0, r1 + m2, system + m1, REPLIES[1] ?? ''));
    expect(third?.usage).toEqual(usage(0, r2 + m3, system + m1 + r1 + m2, REPLIES[2] ?? ''));

    // Cached, written and uncached tokens always add up to the whole prompt.
    const bodies = sim.requests.map((r) => r.body);
    for (const [i, result] of [first, second, third].entries()) {
      const u = result?.usage;
      expect((u?.inputTokens ?? 0) + (u?.cacheCreationInputTokens ?? 0) + (u?.cacheReadInputTokens ?? 0)).toBe(countInputTokens(bodies[i] as Parameters<typeof countInputTokens>[0]));
    }
  });

  it('costs less once the cache is read, and the savings are measured from the usage', async () => {
    const [first, second, third] = await threeTurns();
    const cost = (r: TurnResult | undefined) => costNanos(BUILTIN_PRICE_TABLE, MODEL, r?.usage ?? usageFromApi({})) ?? 0;
    const saved = (r: TurnResult | undefined) => cacheSavingsNanos(BUILTIN_PRICE_TABLE, MODEL, r?.usage ?? usageFromApi({})) ?? 0;
    expect(cost(second)).toBeLessThan(cost(first));
    expect(cost(third)).toBeLessThan(cost(first));
    expect(saved(first)).toBeLessThan(0); // a write costs 1.25x input
    expect(saved(second)).toBeGreaterThan(0);
    expect(saved(first) + saved(second) + saved(third)).toBeGreaterThan(0);

    const [plain1, plain2, plain3] = await threeTurns({ enabled: false, ttl: '5m' });
    const uncachedTotal = cost(plain1) + cost(plain2) + cost(plain3);
    expect(cost(first) + cost(second) + cost(third)).toBe(uncachedTotal - (saved(first) + saved(second) + saved(third)));
  });

  it('sends no breakpoints and reports no cache tokens when caching is off', async () => {
    const results = await threeTurns({ enabled: false, ttl: '5m' });
    const bodies = sim.requests.map((r) => r.body);
    expect(bodies[0]?.system).toBe(SYSTEM);
    expect(JSON.stringify(bodies)).not.toContain('cache_control');
    for (const [i, result] of results.entries()) {
      expect(result.usage.cacheCreationInputTokens + result.usage.cacheReadInputTokens).toBe(0);
      expect(result.usage.inputTokens).toBe(countInputTokens(bodies[i] as Parameters<typeof countInputTokens>[0]));
    }
  });

  it('writes 1-hour entries when the TTL setting says so, reported apart from 5-minute writes', async () => {
    const [first, second] = await threeTurns({ enabled: true, ttl: '1h' });
    const system = countTextTokens(SYSTEM);
    const m1 = msg(MESSAGES[0] ?? '');
    expect(sim.requests[0]?.body.system).toEqual([{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    expect(first?.usage).toEqual(usage(0, system + m1, 0, REPLIES[0] ?? '', system + m1));
    expect(second?.usage.cacheReadInputTokens).toBe(system + m1);
  });

  it('moves the breakpoint along a tool loop, so each model call of a turn reads the one before', async () => {
    const tool: AgentTool = { name: 'list_children', description: 'Lists children.', input_schema: { type: 'object', properties: {} } };
    sim.setScript([
      { match: { lastUser: 'How many' }, reply: { content: [{ type: 'tool_use', name: 'list_children', input: {} }] } },
      { reply: 'You have no children yet.' },
    ]);
    const backend = new ApiBackend({ apiKey: 'k', baseUrl: sim.url });
    const session = await backend.start({ instanceId: 'inst_tools', model: MODEL, systemPrompt: SYSTEM, workspace: '/tmp', options: {} });
    const budget = new TestBudget(500);
    const result = await session.turn(
      { history: [], message: 'How many children do I have?', tools: [tool] },
      { signal: new AbortController().signal, calls: budget, executeTool: async () => ({ content: '[]', isError: false }) },
    );
    sim.setScript([{ reply: (_request, context) => REPLIES[context.requestIndex % REPLIES.length] ?? '' }]);

    expect(result.text).toBe('You have no children yet.');
    // Each model call settled its own hold with its own usage; the turn's usage is their sum.
    const perCall = budget.settled.map((call) => call.usage);
    expect(perCall).toHaveLength(2);
    expect(budget.open).toBe(0);
    expect(perCall.reduce(addUsage, ZERO_USAGE)).toEqual(result.usage);
    // The second call reads exactly what the first one wrote (tools, system and the user message).
    expect(perCall[1]?.cacheReadInputTokens).toBe(perCall[0]?.cacheCreationInputTokens);
    expect(perCall[0]?.cacheCreationInputTokens).toBeGreaterThan(countTextTokens(SYSTEM));
    // Only the newest message carries a breakpoint: the first call's marker did not pile up.
    expect(JSON.stringify(sim.requests[1]?.body.messages).match(/cache_control/g)).toHaveLength(1);
  });
});
