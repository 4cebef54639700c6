import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBody, MCP_POST_HEADERS, openRawSession, rawRequest } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';

// Property: whatever bytes and headers reach an endpoint, the answer is a well-formed HTTP response (a 2xx
// or a 4xx with a JSON body, never a 5xx or a dropped connection), and the server keeps serving.
let stack: Stack;
let session: string;
beforeAll(async () => {
  stack = await startStack({ maxRequestBytes: 64 * 1024 });
  session = await openRawSession(stack.url);
});
afterAll(async () => {
  await stack.close();
});

const jsonRpcish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0', 2), id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'server/discover', 'x'), params: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.constantFrom(initializeBody(), '[]', '[{}]', '{', 'null', '"x"', '{"tool":"spawn_claude","arguments":{"name":"x"}}', '{"tool":"list_instances","arguments":[]}'),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
  path: fc.constantFrom('/mcp', '/mcp/', '/tools', '/tools/execute', '/instances', '/instances/%E0%A4%A', '/instances/inst_x', '/instances/..%2F..%2Fetc', '/health', '/nope', '//mcp'),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
  accept: fc.constantFrom(MCP_POST_HEADERS.accept, 'application/json', 'text/event-stream', '*/*', ''),
  sessionHeader: fc.constantFrom('none', 'valid', 'bogus'),
  protocolVersion: fc.constantFrom('', '2025-11-25', '2025-06-18', '2026-07-28', '1999-01-01'),
  body: fc.option(jsonRpcish, { freq: 5 }),
});

describe('HTTP endpoints under fuzzing', () => {
  it('answer 600 random requests with a well-formed status and body, and keep serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.accept) headers['accept'] = r.accept;
        if (r.protocolVersion) headers['mcp-protocol-version'] = r.protocolVersion;
        if (r.sessionHeader === 'valid') headers['mcp-session-id'] = session;
        if (r.sessionHeader === 'bogus') headers['mcp-session-id'] = 'not-a-session';
        const res = await rawRequest(stack.url, r.path, { method: r.method, headers, sseHeadersOnly: true, ...(r.body !== null && r.method !== 'GET' ? { body: r.body } : {}) });
        expect(res.status, `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
        expect(res.status, `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
        const type = String(res.headers['content-type'] ?? '');
        if (res.status >= 400 && res.text.length > 0) expect(() => JSON.parse(res.text), res.text.slice(0, 200)).not.toThrow();
        if (type.startsWith('application/json') && res.text.length > 0) expect(() => JSON.parse(res.text)).not.toThrow();
      }),
      { numRuns: 600 },
    );
    expect((await rawRequest(stack.url, '/health')).status).toBe(200);
  });
});
