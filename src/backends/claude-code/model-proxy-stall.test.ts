import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { TestBudget } from '../../test-support/test-budget.js';
import { ModelProxy } from './model-proxy.js';

/** The model proxy's stall watchdog against the simulator: streamed replies are watched, whole ones are not. */

let sim: RunningSimulator;
let proxy: ModelProxy;
let budget: TestBudget;
let stalls: number;
let agent: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ script: [{ reply: 'one two three four five' }] });
  proxy = await ModelProxy.start({ upstream: { baseUrl: sim.url, apiKey: 'sk-real', oauthToken: undefined }, stallMs: 1_000 });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  budget = new TestBudget();
  stalls = 0;
  const token = proxy.register({ budget, signal: () => undefined, onRefused: () => undefined, onStalled: () => (stalls += 1) });
  agent = new Anthropic({ baseURL: proxy.url, apiKey: token, maxRetries: 0 });
});

const params = { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('model proxy: the stall watchdog', () => {
  it('cuts a streamed reply that froze mid-way, tells the route, and settles what was seen', async () => {
    sim.injectFaults([{ kind: 'stall', afterDeltas: 1 }]);
    await expect(agent.messages.stream(params).finalMessage()).rejects.toThrow();
    expect(stalls).toBe(1);
    await expect.poll(() => budget.open, { timeout: 10_000 }).toBe(0);
    expect(budget.settled).toHaveLength(1);
  });

  it('leaves a non-streaming call alone however long its answer takes', async () => {
    sim.injectFaults([{ kind: 'stall', forMs: 2_000 }]);
    const message = await agent.messages.create(params);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'one two three four five' });
    expect(stalls).toBe(0);
  });
});
