import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogSnapshot } from './request-log.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';
const SECRET = 'sk-ant-very-secret-value-1234567890';

/** A promise plus the function that settles it, for handing control between a test and the server. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

describe('simulator: lifecycle, concurrency and recording', () => {
  let sim: RunningSimulator | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const clientFor = (running: RunningSimulator, maxRetries = 0): Anthropic =>
    new Anthropic({ baseURL: running.url, apiKey: 'test-key', maxRetries });

  it('answers parallel requests at the same time (maxInFlight counts the overlap)', async () => {
    const fanOut = 5;
    const allArrived = signal();
    let arrived = 0;
    // Each reply waits until all five requests are in, so the overlap is guaranteed by construction,
    // not by the latency being long enough on a slow machine.
    sim = await startSimulator({
      latencyMs: { min: 150, max: 250 },
      script: [
        {
          reply: async (_request, { requestIndex }) => {
            arrived += 1;
            if (arrived === fanOut) allArrived.fire();
            await allArrived.promise;
            return `worker ${requestIndex} done`;
          },
        },
      ],
    });
    const client = clientFor(sim);

    const replies = await Promise.all(
      Array.from({ length: fanOut }, (_, i) =>
        client.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: `task ${i}` }] }),
      ),
    );

    expect(replies).toHaveLength(fanOut);
    expect(sim.maxInFlight).toBe(fanOut);
    expect(sim.inFlight).toBe(0);
    expect(sim.requests.map((request) => request.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('never records the API key or bearer token, only that one was sent', async () => {
    sim = await startSimulator();
    const withKey = new Anthropic({ baseURL: sim.url, apiKey: SECRET, maxRetries: 0 });
    const withToken = new Anthropic({ baseURL: sim.url, authToken: SECRET, maxRetries: 0 });
    await withKey.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'a' }] });
    await withToken.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'b' }] });
    const overHttp = await (await fetch(`${sim.url}/_simulator/requests`)).text();

    expect(sim.requests.map((request) => request.hasApiKey)).toEqual([true, true]);
    expect(JSON.stringify(sim.requests)).not.toContain(SECRET);
    expect(overHttp).not.toContain(SECRET);
    expect(overHttp).not.toContain('very-secret');
  });

  it('closes promptly while a slow request is still open', async () => {
    const arrived = signal();
    sim = await startSimulator({
      script: [
        {
          latencyMs: 10 * 60 * 1000,
          reply: () => {
            arrived.fire();
            return 'too late';
          },
        },
      ],
    });
    const pending = clientFor(sim)
      .messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'slow' }] })
      .catch((e: unknown) => e);
    await arrived.promise;
    expect(sim.inFlight).toBe(1);

    await sim.close();

    expect(await pending).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(sim.inFlight).toBe(0);
  });

  it('survives a client that disconnects in the middle of a stream', async () => {
    sim = await startSimulator({
      chunkDelayMs: 10 * 60 * 1000,
      script: [
        { match: { lastUser: 'stall' }, reply: 'first words arrive, the rest never does' },
        { match: { lastUser: 'next' }, reply: 'ok' },
      ],
    });
    const client = clientFor(sim);
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'stall' }] });
    const firstText = new Promise<string>((resolve) => stream.once('text', resolve));
    const ended = stream.done().catch((e: unknown) => e);

    expect(await firstText).toBe('first words arrive, ');
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);

    const next = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'next' }] });
    expect(next.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('reset() forgets requests and the high-water mark but keeps the script', async () => {
    sim = await startSimulator({ script: [{ reply: 'scripted' }] });
    const client = clientFor(sim);
    await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'a' }] });
    expect(sim.requests).toHaveLength(1);
    expect(sim.maxInFlight).toBe(1);

    sim.reset();

    expect(sim.requests).toHaveLength(0);
    expect(sim.maxInFlight).toBe(0);
    const after = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'b' }] });
    expect(after.content).toEqual([{ type: 'text', text: 'scripted' }]);
    expect(sim.requests[0]?.seq).toBe(0);
  });

  it('serves its log and a reset over HTTP for out-of-process use', async () => {
    sim = await startSimulator();
    await clientFor(sim).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'a' }] });

    const snapshot = (await (await fetch(`${sim.url}/_simulator/requests`)).json()) as RequestLogSnapshot;
    expect(snapshot.inFlight).toBe(0);
    expect(snapshot.maxInFlight).toBe(1);
    expect(snapshot.requests).toHaveLength(1);
    expect(snapshot.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'a' }]);

    const reset = await fetch(`${sim.url}/_simulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(sim.requests).toHaveLength(0);
  });

  it('routes Claude Code style paths with a query string and records them as sent', async () => {
    sim = await startSimulator();
    const response = await fetch(`${sim.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer token' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });

    expect(response.status).toBe(200);
    expect(sim.requests[0]?.path).toBe('/v1/messages?beta=true');
    expect(sim.requests[0]?.hasApiKey).toBe(true);
  });

  it('exposes a URL usable as ANTHROPIC_BASE_URL and closes idempotently', async () => {
    const running = await startSimulator();
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
    await Promise.all([running.close(), running.close()]);
    await expect(fetch(`${running.url}/_simulator/requests`)).rejects.toThrow();
  });
});
