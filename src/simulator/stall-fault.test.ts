import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator.js';

const REPLY = 'one two three four five';

let sim: RunningSimulator;
let client: Anthropic;
beforeAll(async () => {
  sim = await startSimulator({ script: [{ reply: REPLY }] });
  client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const params = { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('simulator: the stall fault', () => {
  it('freezes a stream after the given deltas with the connection open, then sends the rest after forMs', async () => {
    sim.injectFaults([{ kind: 'stall', afterDeltas: 2, forMs: 100 }]);
    const deltas: string[] = [];
    const stream = client.messages.stream(params);
    stream.on('text', (text) => deltas.push(text));
    const message = await stream.finalMessage();
    expect(deltas.join('')).toBe(REPLY);
    expect(message.stop_reason).toBe('end_turn');
    expect(sim.requests[0]?.fault).toEqual({ kind: 'stall', afterDeltas: 2, forMs: 100, source: 'queue' });
  });

  it('without forMs sends nothing more until the client gives up, and keeps serving others', async () => {
    sim.injectFaults([{ kind: 'stall', afterDeltas: 2 }]);
    const controller = new AbortController();
    const deltas: string[] = [];
    const stream = client.messages.stream(params, { signal: controller.signal });
    stream.on('text', (text) => {
      deltas.push(text);
      // Give the rest every chance to arrive (it never does) before giving up.
      if (deltas.length === 2) setTimeout(() => controller.abort(), 200);
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(deltas.length).toBe(2);
    const answer = await client.messages.create(params);
    expect(answer.content[0]).toMatchObject({ type: 'text', text: REPLY });
  });

  it('delays a non-streaming answer by forMs', async () => {
    sim.injectFaults([{ kind: 'stall', forMs: 50 }]);
    const message = await client.messages.create(params);
    expect(message.content[0]).toMatchObject({ type: 'text', text: REPLY });
  });
});
