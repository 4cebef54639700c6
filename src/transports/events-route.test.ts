import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../orchestrator/events.js';
import { openSse } from '../test-support/sse-client.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { createEventStreams } from './events-route.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const execute = async (tool: string, args: unknown) => {
  const res = await fetch(`${stack.url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  return (await res.json()) as { structuredContent: Record<string, any> };
};

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /events', () => {
  it('streams domain events as SSE: a spawn and a turn, typed, with JSON data', async () => {
    const sse = await openSse(stack.url, '/events');
    try {
      expect(sse.status).toBe(200);
      expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(sse.headers['cache-control']).toBe('no-store');
      const id = (await execute('spawn_claude', { name: 'Streamer', role: 'architect' })).structuredContent['instance_id'] as string;
      const spawned = await sse.waitFor((e) => e.event === 'instance.spawned' && JSON.parse(e.data).instanceId === id);
      expect(JSON.parse(spawned.data)).toMatchObject({ type: 'instance.spawned', name: 'Streamer', role: 'architect', parentId: null });
      await execute('send_to_instance', { instance_id: id, message: 'Plan a cache' });
      await sse.waitFor((e) => e.event === 'turn.started' && JSON.parse(e.data).instanceId === id);
      const settled = await sse.waitFor((e) => e.event === 'turn.settled' && JSON.parse(e.data).instanceId === id);
      expect(JSON.parse(settled.data)).toMatchObject({ outcome: 'completed', usage: { inputTokens: expect.any(Number) } });
    } finally {
      sse.close();
    }
  });

  it('?instance=<id> keeps only that instance\'s events', async () => {
    const a = (await execute('spawn_claude', { name: 'Watched' })).structuredContent['instance_id'] as string;
    const filtered = await openSse(stack.url, `/events?instance=${encodeURIComponent(a)}`);
    const all = await openSse(stack.url, '/events');
    try {
      const b = (await execute('spawn_claude', { name: 'Other' })).structuredContent['instance_id'] as string;
      await all.waitFor((e) => e.event === 'instance.spawned' && JSON.parse(e.data).instanceId === b);
      await execute('send_to_instance', { instance_id: a, message: 'hello' });
      // Events reach every stream in publication order: once A's later turn arrived, B's spawn would have too.
      await filtered.waitFor((e) => e.event === 'turn.settled');
      expect(filtered.events.length).toBeGreaterThan(0);
      expect(filtered.events.every((e) => JSON.parse(e.data).instanceId === a)).toBe(true);
    } finally {
      filtered.close();
      all.close();
    }
  });

  it('refuses other methods with 405', async () => {
    const res = await fetch(`${stack.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('createEventStreams', () => {
  let server: Server;
  let url: string;
  const bus = new EventBus(() => undefined);
  const streams = createEventStreams(bus, { heartbeatMs: 20, maxStreams: 1 });
  beforeAll(async () => {
    server = createServer((req, res) => streams.handle(req, res, new URL(req.url ?? '/', 'http://localhost')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    streams.close();
    await new Promise((r) => server.close(r));
  });

  it('sends heartbeat comments, refuses streams past the maximum, and lets go of a client that hangs up', async () => {
    const first = await openSse(url, '/events');
    await first.waitForComment((c) => c === 'heartbeat');
    const second = await openSse(url, '/events');
    expect(second.status).toBe(503);
    second.close();
    expect(streams.open).toBe(1);
    first.close();
    await until(() => streams.open === 0, 'the stream to be dropped');
    bus.publish({ type: 'turn.started', at: new Date().toISOString(), instanceId: 'inst_x', seq: 1, chars: 1 });
    const third = await openSse(url, '/events');
    expect(third.status).toBe(200);
    third.close();
  });
});
