import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { TestBudget } from '../../test-support/test-budget.js';
import { ApiBackend } from './api-backend.js';

/**
 * A fan-out of 50 turns against an API that allows 100 requests per second (bursts of 5) and takes
 * 20 ms per reply: the first wave is mostly refused, and the adaptive limiter has to keep every turn
 * alive. Real time, but short: the simulator asks for waits of a few ms (retry-after-ms), and the
 * assertions are on outcomes and counts only.
 */

const FAN_OUT = 50;
const spec = { instanceId: 'inst_storm', model: 'claude-sonnet-5-5', systemPrompt: 'You are a reviewer.', workspace: '/tmp', options: {} };

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ rateLimit: { requestsPerSecond: 100, burst: 5 }, latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});

describe('a 429 storm', () => {
  it('ends with every turn alive: the limiter shrinks, honours retry-after, and the 429s stay bounded', async () => {
    const backend = new ApiBackend({ apiKey: 'k', baseUrl: sim.url, retryBaseDelayMs: 10, retryMaxDelayMs: 200 });
    // One budget for the whole fan-out, as the instances' common ancestor would be.
    const budget = new TestBudget(100);
    const turns = await Promise.allSettled(
      Array.from({ length: FAN_OUT }, async (_, i) => {
        const session = await backend.start({ ...spec, instanceId: `inst_storm_${i}` });
        return session.turn({ history: [], message: `Review part ${i}` }, { signal: new AbortController().signal, calls: budget });
      }),
    );

    const failed = turns.filter((t) => t.status === 'rejected');
    expect(failed).toEqual([]);
    const refused = sim.requests.filter((r) => r.fault?.source === 'rate_limit').length;
    // The first wave meets a bucket of 5, so most of it is refused (the limiter starts open, knowing
    // nothing); after that it keeps refusals to a trickle. Without it this run sees several hundred
    // and loses turns (bench/resilience.mjs).
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(2 * FAN_OUT);
    expect(sim.requests.length).toBe(FAN_OUT + refused);
    const retries = turns.map((t) => (t.status === 'fulfilled' ? (t.value.retries ?? -1) : -1));
    expect(retries.reduce((a, b) => a + b, 0)).toBe(refused);
    expect(backend.concurrencyLimit).toBeLessThan(64);
    // However often a call was refused and retried, each turn's call took one hold and settled it once.
    expect(budget.requests).toHaveLength(FAN_OUT);
    expect(budget.settled).toHaveLength(FAN_OUT);
    expect(budget.open).toBe(0);
    expect(sim.requests.every((r) => r.body.max_tokens === 100)).toBe(true);
  });
});
