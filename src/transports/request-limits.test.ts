import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { initializeBody, MCP_POST_HEADERS, rawRequest } from '../test-support/http.js';
import { startStack } from '../test-support/stack.js';
import { createTokenBucketLimiter } from './rate-limit.js';

const TOKEN_A = randomBytes(32).toString('hex');
const TOKEN_B = randomBytes(32).toString('hex');

describe('request body size (413)', () => {
  it('refuses bodies over MAX_REQUEST_BYTES on REST and /mcp, declared or streamed', async () => {
    const stack = await startStack({ maxRequestBytes: 2048 });
    try {
      const big = JSON.stringify({ tool: 'list_instances', arguments: { pad: 'x'.repeat(4096) } });
      const rest = await rawRequest(stack.url, '/tools/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(rest.status).toBe(413);
      expect(rest.json()).toMatchObject({ error: { code: 'payload_too_large' } });

      const mcpBody = JSON.stringify({ ...JSON.parse(initializeBody()), pad: 'x'.repeat(4096) });
      const mcp = await rawRequest(stack.url, '/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS }, body: mcpBody });
      expect(mcp.status).toBe(413);

      // Chunked, no content-length: refused while streaming, not after buffering it all.
      const chunked = await rawRequest(stack.url, '/tools/execute', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: big,
      });
      expect(chunked.status).toBe(413);

      // Under the limit is served as usual.
      const small = await rawRequest(stack.url, '/tools/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tool":"list_instances"}' });
      expect(small.status).toBe(200);
    } finally {
      await stack.close();
    }
  });

  it('defaults to 4 MiB on /mcp', async () => {
    const stack = await startStack();
    try {
      const body = JSON.stringify({ ...JSON.parse(initializeBody()), pad: 'x'.repeat(4 * 1024 * 1024 + 1) });
      expect((await rawRequest(stack.url, '/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS }, body })).status).toBe(413);
    } finally {
      await stack.close();
    }
  });
});

describe('rate limiting (429)', () => {
  it('limits each client (address + token) on its own, with retry-after', async () => {
    const stack = await startStack({ tokens: [TOKEN_A, TOKEN_B], rateLimitPerMinute: 3 });
    try {
      const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 3; i++) expect((await rawRequest(stack.url, '/instances', as(TOKEN_A))).status).toBe(200);
      const limited = await rawRequest(stack.url, '/instances', as(TOKEN_A));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });

      // Another credential from the same address has its own bucket.
      expect((await rawRequest(stack.url, '/instances', as(TOKEN_B))).status).toBe(200);

      // /mcp answers 429 as a JSON-RPC error.
      const mcp = await rawRequest(stack.url, '/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN_A}` }, body: initializeBody() });
      expect(mcp.status).toBe(429);
      expect(mcp.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    } finally {
      await stack.close();
    }
  });

  it('keeps token guessers in one bucket per address, however many wrong tokens they try', async () => {
    const stack = await startStack({ tokens: [TOKEN_A], rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await rawRequest(stack.url, '/instances', { headers: { authorization: `Bearer ${randomBytes(32).toString('hex')}` } })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // The real token holder is not locked out by them.
      expect((await rawRequest(stack.url, '/instances', { headers: { authorization: `Bearer ${TOKEN_A}` } })).status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('token bucket', () => {
  it('allows a minute of burst, then refills at perMinute/60 per second', () => {
    const clock = { ms: 0 };
    const limiter = createTokenBucketLimiter({ perMinute: 60, now: () => clock.ms });
    for (let i = 0; i < 60; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').allowed).toBe(true);
    clock.ms += 1_000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('says how long to wait, rounded up', () => {
    const clock = { ms: 0 };
    const limiter = createTokenBucketLimiter({ perMinute: 2, now: () => clock.ms });
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.ms += 29_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.ms += 1_000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('is off at 0 and keeps memory bounded under many clients', () => {
    const off = createTokenBucketLimiter({ perMinute: 0, now: () => 0 });
    for (let i = 0; i < 1000; i++) expect(off.take('x').allowed).toBe(true);
    const clock = { ms: 0 };
    const bounded = createTokenBucketLimiter({ perMinute: 10, now: () => clock.ms, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) expect(bounded.take(`client-${i}`).allowed).toBe(true);
    expect(bounded.size).toBeLessThanOrEqual(100);
  });
});
