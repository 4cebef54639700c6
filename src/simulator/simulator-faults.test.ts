import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';
const LONG_REPLY = 'one two three four five six seven eight nine ten eleven twelve';

/** What a call ended with: the message, or the error the SDK threw. */
async function outcome<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

describe('simulator: fault injection', () => {
  let sim: RunningSimulator;
  let client: Anthropic;
  let clock: { ms: number };

  beforeEach(async () => {
    clock = { ms: Date.parse('2026-11-25T12:00:00Z') };
    sim = await startSimulator({ now: () => clock.ms });
    client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await sim.close();
  });

  const create = () => outcome(client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }));

  /** A streamed call: the text deltas that arrived, and how it ended. */
  const stream = async () => {
    const deltas: string[] = [];
    const s = client.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    s.on('text', (text) => deltas.push(text));
    return { ended: await outcome(s.finalMessage()), deltas };
  };

  it('answers queued faults in order, one per request, in the API error shape, then answers normally', async () => {
    sim.injectFaults([
      { kind: 'status', status: 429, retryAfterSeconds: 7 },
      { kind: 'status', status: 529 },
      { kind: 'status', status: 500, headers: { 'x-should-retry': 'false' } },
      { kind: 'status', status: 504 },
    ]);
    expect(sim.pendingFaults).toBe(4);

    const limited = await create();
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    if (!(limited instanceof Anthropic.APIError)) return;
    expect(limited.type).toBe('rate_limit_error');
    expect(limited.headers?.get('retry-after')).toBe('7');

    const overloaded = await create();
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect((overloaded as APIError).type).toBe('overloaded_error');
    const broken = (await create()) as APIError;
    expect(broken).toMatchObject({ status: 500, type: 'api_error' });
    expect(broken.headers?.get('x-should-retry')).toBe('false');
    expect(await create()).toMatchObject({ status: 504, type: 'timeout_error' });
    expect(sim.requests.map((r) => r.fault?.kind === 'status' && r.fault.status)).toEqual([429, 529, 500, 504]);

    expect(await create()).toMatchObject({ type: 'message' });
    expect(sim.pendingFaults).toBe(0);
    expect(sim.requests.map((r) => r.fault?.source)).toEqual(['queue', 'queue', 'queue', 'queue', undefined]);
  });

  it('sends retry-after-ms when asked, for sub-second waits', async () => {
    sim.injectFaults([{ kind: 'status', status: 504, retryAfterMs: 250 }]);
    const timedOut = (await create()) as APIError;
    expect(timedOut).toBeInstanceOf(Anthropic.GatewayTimeoutError);
    expect(timedOut.type).toBe('timeout_error');
    expect(timedOut.headers?.get('retry-after-ms')).toBe('250');
    expect(timedOut.headers?.get('retry-after')).toBeNull();
  });

  it('resets the connection before answering, and keeps serving afterwards', async () => {
    sim.injectFaults([{ kind: 'reset' }]);
    expect(await create()).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(sim.requests[0]?.fault).toEqual({ kind: 'reset', source: 'queue' });
    expect(await create()).toMatchObject({ type: 'message' });
  });

  it('fails a stream mid-way with the API error event, after the deltas it was told to send', async () => {
    sim.setScript([{ reply: LONG_REPLY }]);
    sim.injectFaults([{ kind: 'stream_error', afterDeltas: 2 }]);

    const { ended, deltas } = await stream();
    expect(deltas).toEqual(['one two three ', 'four five six ']);
    expect(ended).toBeInstanceOf(Anthropic.APIError);
    expect(ended).toMatchObject({ status: undefined, type: 'overloaded_error' });

    const whole = await stream();
    expect(whole.deltas.join('')).toBe(LONG_REPLY);
  });

  it('answers a mid-stream fault on a non-streaming request with the matching status', async () => {
    sim.injectFaults([{ kind: 'stream_error', errorType: 'api_error' }, { kind: 'stream_error' }]);
    expect(await create()).toMatchObject({ status: 500, type: 'api_error' });
    expect(await create()).toMatchObject({ status: 529, type: 'overloaded_error' });
  });

  it('drops the connection mid-stream, after some text has arrived', async () => {
    sim.setScript([{ reply: LONG_REPLY }]);
    sim.injectFaults([{ kind: 'reset', afterDeltas: 1 }]);

    const { ended, deltas } = await stream();
    expect(deltas).toEqual(['one two three ']);
    expect(ended).toBeInstanceOf(Anthropic.AnthropicError);
    expect(ended).not.toBeInstanceOf(Anthropic.APIError);
    expect((ended as Error).message).toMatch(/terminated/);
  });

  it('gives a rule its faults for the first requests it matches, then its reply', async () => {
    sim.setScript([{ match: { lastUser: 'flaky' }, reply: 'finally', faults: [{ kind: 'status', status: 503 }, { kind: 'reset' }] }]);
    const ask = (content: string) => outcome(client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content }] }));

    expect(await ask('something else')).toMatchObject({ type: 'message' });
    expect(await ask('flaky one')).toMatchObject({ status: 503 });
    expect(await ask('flaky two')).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(await ask('flaky three')).toMatchObject({ content: [{ type: 'text', text: 'finally' }] });
    expect(sim.requests.map((r) => r.fault?.source ?? 'none')).toEqual(['none', 'rule', 'rule', 'none']);
  });

  it('limits requests per second with a token bucket, answering 429 with the exact wait', async () => {
    sim.setRateLimit({ requestsPerSecond: 4, burst: 2 });

    expect(await create()).toMatchObject({ type: 'message' });
    expect(await create()).toMatchObject({ type: 'message' });
    const refused = (await create()) as APIError;
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    // One token comes back every 250 ms at 4 per second.
    expect(refused.headers?.get('retry-after-ms')).toBe('250');
    expect(refused.headers?.get('retry-after')).toBe('1');
    expect(refused.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(sim.requests.at(-1)?.fault).toMatchObject({ kind: 'status', status: 429, source: 'rate_limit' });

    clock.ms += 100;
    expect(((await create()) as APIError).headers?.get('retry-after-ms')).toBe('150');
    clock.ms += 150;
    expect(await create()).toMatchObject({ type: 'message' });

    sim.setRateLimit(undefined);
    for (let i = 0; i < 5; i++) expect(await create()).toMatchObject({ type: 'message' });
  });

  it('forgets queued faults on reset', async () => {
    sim.injectFaults([{ kind: 'status', status: 529 }]);
    sim.reset();
    expect(sim.pendingFaults).toBe(0);
    expect(await create()).toMatchObject({ type: 'message' });
  });
});
