import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { startSimulator, type Fault, type RunningSimulator } from '../../simulator/simulator.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { BackendEvent, TurnResult } from '../backend.js';
import { ApiBackend, type ApiBackendOptions } from './api-backend.js';
import { sleep } from '../../async/sleep.js';

/**
 * Retries against the simulator's fault injection, over real HTTP with the real SDK. The backoff
 * sleep is injected: it records the delay the policy chose and returns at once, so no test waits.
 */

const REPLY = 'The orders endpoint takes a JSON body with the items and returns the new order id.';
const spec = { instanceId: 'inst_retry', model: 'claude-sonnet-5-5', systemPrompt: 'You are a backend developer.', workspace: '/tmp', options: {} };
const WALL = Date.parse('2026-11-25T12:00:00Z');

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ script: [{ reply: REPLY }] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

interface Run {
  readonly result: TurnResult | undefined;
  readonly error: OrchestratorError | undefined;
  /** Each backoff the policy chose, in ms. */
  readonly waits: readonly number[];
  /** Every text delta the turn streamed, failed attempts included. */
  readonly deltas: readonly string[];
  /** The retry events the turn emitted, in order. */
  readonly retryEvents: readonly Extract<BackendEvent, { type: 'retry' }>[];
  readonly rateLimited: readonly Extract<BackendEvent, { type: 'rate_limited' }>[];
  /** The turn's calls: a retried call is still one hold. */
  readonly budget: TestBudget;
}

/**
 * One turn after queuing `faults`; random 0.5 makes each backoff exactly 3/4 of its cap. Time is
 * virtual: a backoff moves it forward at once, and the limiter's retry-after pause reads the same
 * time, so a 7 s retry-after costs the test nothing.
 */
async function turnThrough(faults: readonly Fault[], options: Partial<ApiBackendOptions> = {}, signal = new AbortController().signal): Promise<Run> {
  sim.injectFaults(faults);
  const waits: number[] = [];
  const deltas: string[] = [];
  const retryEvents: Extract<BackendEvent, { type: 'retry' }>[] = [];
  const rateLimited: Extract<BackendEvent, { type: 'rate_limited' }>[] = [];
  const budget = new TestBudget(500);
  let virtualMs = 0;
  const backend = new ApiBackend({
    apiKey: 'k',
    baseUrl: sim.url,
    random: () => 0.5,
    wallNow: () => WALL,
    now: () => virtualMs,
    sleep: async (ms) => {
      waits.push(ms);
      virtualMs += ms;
    },
    limiterClock: {
      now: () => virtualMs,
      after: (ms, fn) => {
        const due = virtualMs + ms;
        const timer = setImmediate(() => {
          virtualMs = Math.max(virtualMs, due);
          fn();
        });
        return () => clearImmediate(timer);
      },
    },
    ...options,
  });
  const session = await backend.start(spec);
  try {
    const onEvent = (e: BackendEvent) => (e.type === 'text' ? deltas.push(e.text) : e.type === 'retry' ? retryEvents.push(e) : e.type === 'rate_limited' ? rateLimited.push(e) : 0);
    const result = await session.turn({ history: [], message: 'Design the orders endpoint' }, { signal, calls: budget, onEvent });
    return { result, error: undefined, waits, deltas, retryEvents, rateLimited, budget };
  } catch (error) {
    if (!(error instanceof OrchestratorError)) throw error;
    return { result: undefined, error, waits, deltas, retryEvents, rateLimited, budget };
  }
}

describe('ApiBackend retries', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])('retries a %i and then succeeds, counting the retry', async (status) => {
    const run = await turnThrough([{ kind: 'status', status }]);
    expect(run.error).toBeUndefined();
    expect(run.result?.text).toBe(REPLY);
    expect(run.result?.retries).toBe(1);
    expect(run.waits).toEqual([375]); // base 500 ms, equal jitter at 0.5
    expect(run.retryEvents).toEqual([{ type: 'retry', retry: 1, afterMs: 375, reason: 'status' }]);
    // Only a 429 or 529 says slow down (the adaptive limit is cut): that is a rate-limit event.
    expect(run.rateLimited).toEqual(status === 429 || status === 529 ? [{ type: 'rate_limited', reason: String(status), retryAfterMs: null }] : []);
    expect(sim.requests.map((r) => r.fault?.kind ?? 'answered')).toEqual(['status', 'answered']);
    // The retried call is one hold, settled once with the answered attempt's usage.
    expect(run.budget.requests).toHaveLength(1);
    expect(run.budget.settled.map((call) => call.usage)).toEqual([run.result?.usage]);
    expect(run.budget.open).toBe(0);
  });

  it('backs off exponentially across several failures', async () => {
    const run = await turnThrough([{ kind: 'status', status: 529 }, { kind: 'status', status: 503 }, { kind: 'reset' }]);
    expect(run.result?.retries).toBe(3);
    expect(run.waits).toEqual([375, 750, 1_500]);
    expect(run.retryEvents).toEqual([
      { type: 'retry', retry: 1, afterMs: 375, reason: 'status' },
      { type: 'retry', retry: 2, afterMs: 750, reason: 'status' },
      { type: 'retry', retry: 3, afterMs: 1_500, reason: 'connection' },
    ]);
  });

  it('retries a connection reset', async () => {
    const run = await turnThrough([{ kind: 'reset' }]);
    expect(run.result?.text).toBe(REPLY);
    expect(run.result?.retries).toBe(1);
    expect(sim.requests).toHaveLength(2);
  });

  it('never keeps a reply cut by an error event mid-stream: the call is retried whole', async () => {
    const run = await turnThrough([{ kind: 'stream_error', afterDeltas: 2, errorType: 'overloaded_error' }]);
    expect(run.result?.text).toBe(REPLY);
    expect(run.result?.retries).toBe(1);
    // The failed attempt's two deltas did stream, then the whole reply again; only the latter is the turn's text.
    expect(run.deltas.length).toBeGreaterThan(2);
    expect(run.deltas.slice(2).join('')).toBe(REPLY);
    expect(run.result?.usage.outputTokens).toBeGreaterThan(0);
  });

  it('retries a connection dropped mid-stream the same way', async () => {
    const run = await turnThrough([{ kind: 'reset', afterDeltas: 1 }]);
    expect(run.result?.text).toBe(REPLY);
    expect(run.result?.retries).toBe(1);
    expect(run.deltas.slice(1).join('')).toBe(REPLY);
  });

  it('fails clearly on a non-retryable error event mid-stream, keeping nothing', async () => {
    sim.setScript([{ reply: REPLY, faults: [{ kind: 'stream_error', afterDeltas: 1, errorType: 'api_error' }] }]);
    const run = await turnThrough([], { maxRetries: 0 });
    sim.setScript([{ reply: REPLY }]);
    expect(run.result).toBeUndefined();
    expect(run.error?.code).toBe('backend_unavailable');
    expect(run.error?.message).toMatch(/failed mid-reply \(api_error\).*partial reply was discarded/);
    // The failed call's hold is released: the discarded partial reply is not charged.
    expect(run.budget).toMatchObject({ settled: [], released: 1, open: 0 });
  });

  it.each([
    [400, 'backend_error'],
    [401, 'not_configured'],
    [403, 'backend_error'],
    [404, 'backend_error'],
    [413, 'backend_error'],
    [422, 'backend_error'],
  ] as const)('never retries a %i (%s)', async (status, code) => {
    const run = await turnThrough([{ kind: 'status', status }]);
    expect(run.error?.code).toBe(code);
    expect(run.error?.message).toContain(String(status));
    expect(run.waits).toEqual([]);
    expect(run.retryEvents).toEqual([]);
    expect(sim.requests).toHaveLength(1);
    expect(sim.pendingFaults).toBe(0);
    expect(run.budget).toMatchObject({ settled: [], released: 1, open: 0 });
  });

  it('does not retry a 500 the server marks x-should-retry: false', async () => {
    const run = await turnThrough([{ kind: 'status', status: 500, headers: { 'x-should-retry': 'false' } }]);
    expect(run.error?.code).toBe('backend_unavailable');
    expect(sim.requests).toHaveLength(1);
  });

  it('gives up after API_MAX_RETRIES with an error that says how many retries were made', async () => {
    const overloaded: Fault = { kind: 'status', status: 529 };
    const run = await turnThrough([overloaded, overloaded, overloaded, overloaded], { maxRetries: 3 });
    expect(run.error?.code).toBe('backend_unavailable');
    expect(run.error?.message).toMatch(/overloaded \(529\).*Gave up after 3 retries over .* s \(API_MAX_RETRIES\)/);
    expect(run.error?.details).toMatchObject({ status: 529, retries: 3, gave_up: 'out_of_retries' });
    expect(run.waits).toEqual([375, 750, 1_500]);
    expect(run.retryEvents.map((e) => e.retry)).toEqual([1, 2, 3]);
    expect(sim.requests).toHaveLength(4);
    expect(run.budget).toMatchObject({ settled: [], released: 1, open: 0 });
  });

  it("waits exactly the server's retry-after, in seconds, milliseconds or as a date", async () => {
    expect((await turnThrough([{ kind: 'status', status: 429, retryAfterSeconds: 7 }])).waits).toEqual([7_000]);
    expect((await turnThrough([{ kind: 'status', status: 529, retryAfterMs: 1_234 }])).waits).toEqual([1_234]);
    const dated = await turnThrough([{ kind: 'status', status: 503, headers: { 'retry-after': new Date(WALL + 30_000).toUTCString() } }]);
    expect(dated.waits).toEqual([30_000]);
    expect(dated.result?.retries).toBe(1);
  });

  it('gives up at once when the server asks for a wait past API_RETRY_MAX_SECONDS', async () => {
    const run = await turnThrough([{ kind: 'status', status: 429, retryAfterSeconds: 600 }], { retryMaxSeconds: 180 });
    expect(run.error?.details).toMatchObject({ retries: 0, gave_up: 'out_of_time' });
    expect(run.error?.message).toMatch(/API_RETRY_MAX_SECONDS/);
    expect(run.waits).toEqual([]);
  });

  it('stops waiting for a retry when the turn is aborted, with the abort reason', async () => {
    const controller = new AbortController();
    const run = await turnThrough(
      [{ kind: 'status', status: 503 }],
      // The real, abortable sleep with a long backoff: the abort must end it, not the timer.
      { sleep, retryBaseDelayMs: 600_000, onRetry: () => controller.abort(new OrchestratorError('timeout', 'too slow')) },
      controller.signal,
    );
    expect(run.error?.code).toBe('timeout');
    expect(sim.requests).toHaveLength(1);
    expect(run.budget).toMatchObject({ settled: [], released: 1, open: 0 });
  });
});
