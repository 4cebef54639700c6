import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator.js';
import { countTextTokens, MESSAGE_OVERHEAD_TOKENS } from './token-count.js';

const MODEL = 'claude-sonnet-5-5';
const SYSTEM = 'y'.repeat(6_000); // 1,500 tokens
const cached = (ttl?: '1h') => ({ type: 'ephemeral' as const, ...(ttl ? { ttl } : {}) });

describe('simulator: prompt caching over HTTP', () => {
  let sim: RunningSimulator;
  let client: Anthropic;
  let clock: { ms: number };

  beforeEach(async () => {
    clock = { ms: 0 };
    sim = await startSimulator({ now: () => clock.ms, script: [{ reply: 'Noted.' }] });
    client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await sim.close();
  });

  const params = (ttl?: '1h'): Anthropic.MessageCreateParamsNonStreaming => ({
    model: MODEL,
    max_tokens: 100,
    system: [{ type: 'text', text: SYSTEM, cache_control: cached(ttl) }],
    messages: [{ role: 'user', content: 'Summarise the rules.' }],
  });

  it('reports a write, then a read, in the API usage shape, streamed or not', async () => {
    const system = countTextTokens(SYSTEM);
    const question = MESSAGE_OVERHEAD_TOKENS + countTextTokens('Summarise the rules.');
    const written = await client.messages.create(params());
    expect(written.usage).toMatchObject({
      input_tokens: question,
      cache_creation_input_tokens: system,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: system, ephemeral_1h_input_tokens: 0 },
    });
    expect(sim.cachedPrefixes).toBe(1);

    const streamed = await client.messages.stream(params()).finalMessage();
    const plain = await client.messages.create(params());
    expect(streamed.usage).toEqual(plain.usage);
    expect(plain.usage).toMatchObject({ input_tokens: question, cache_creation_input_tokens: 0, cache_read_input_tokens: system });
  });

  it('expires entries on the simulator clock', async () => {
    await client.messages.create(params());
    clock.ms += 5 * 60_000 + 1;
    expect((await client.messages.create(params())).usage.cache_read_input_tokens).toBe(0);
    sim.reset();
    await client.messages.create(params('1h'));
    clock.ms += 59 * 60_000;
    expect((await client.messages.create(params('1h'))).usage.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('refuses a fifth breakpoint with the API message, and forgets the cache on reset', async () => {
    await client.messages.create(params());
    sim.reset();
    expect(sim.cachedPrefixes).toBe(0);
    const five = Array.from({ length: 5 }, (_, i) => ({ type: 'text' as const, text: `part ${i}`, cache_control: cached() }));
    const refused = await client.messages.create({ ...params(), system: five }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as Error).message).toContain('A maximum of 4 blocks with cache_control may be provided. Found 5.');
    expect(sim.requests).toHaveLength(0);
  });

  it('caches nothing for a request that fails mid-stream', async () => {
    sim.injectFaults([{ kind: 'stream_error', afterDeltas: 0 }]);
    await client.messages.stream(params()).finalMessage().catch((e: unknown) => e);
    expect(sim.cachedPrefixes).toBe(0);
    expect((await client.messages.create(params())).usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });
});
