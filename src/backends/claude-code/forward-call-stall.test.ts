import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardCall, type ForwardOutcome } from './forward-call.js';

/**
 * The proxy's stall watchdog on its own: an upstream that never answers, or stops mid-body, is cut after the
 * stall limit. Before any byte reached the agent, the agent gets a 529 its client retries; after, its connection
 * is cut (a cleanly ended body would pass a truncated reply off as whole).
 */

let upstream: Server;
let base = '';
beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    if (req.url === '/half') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {}\n\n');
    }
    // /silent: never answers at all.
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** Forwards `path` through a front server, as the proxy would; the agent's view and the outcome. */
async function through(path: string): Promise<{ status: number; body: string; cut: boolean; outcome: ForwardOutcome; stalls: number }> {
  let outcome!: Promise<ForwardOutcome>;
  let stalls = 0;
  const front = createServer((_req, res) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    outcome = forwardCall({ url: `${base}${path}`, method: 'POST', headers: new Headers(), body: '{}', signal: controller.signal }, res, fetch, () => undefined, {
      stallMs: 1_000,
      onStall: () => (stalls += 1),
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(front.address() as AddressInfo).port}/`, { method: 'POST', body: '{}' });
    let body = '';
    let cut = false;
    try {
      body = await res.text();
    } catch {
      cut = true;
    }
    return { status: res.status, body, cut, outcome: await outcome, stalls };
  } finally {
    front.closeAllConnections();
    front.close();
  }
}

describe('forwardCall: an upstream that goes silent', () => {
  it('before answering: a 529 the agent retries', async () => {
    const seen = await through('/silent');
    expect(seen.status).toBe(529);
    expect(JSON.parse(seen.body)).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/STALL_TIMEOUT_SECONDS/) } });
    expect(seen.outcome).toMatchObject({ kind: 'stalled', status: null });
    expect(seen.stalls).toBe(1);
  });

  it('mid-body: the agent connection is cut', async () => {
    const seen = await through('/half');
    expect(seen.status).toBe(200);
    expect(seen.cut).toBe(true);
    expect(seen.outcome).toMatchObject({ kind: 'stalled', status: 200 });
    expect(seen.stalls).toBe(1);
  });
});
