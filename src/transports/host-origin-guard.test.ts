import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeBody, MCP_POST_HEADERS, rawRequest } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';

// A DNS-rebinding page reaches 127.0.0.1 under its own name: its requests carry that name as Host and its
// origin as Origin. Both must be refused on every route, MCP and REST.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const port = () => new URL(stack.url).port;

describe('Host and Origin validation (DNS rebinding)', () => {
  it.each([
    ['POST', '/mcp'],
    ['GET', '/instances'],
    ['GET', '/tools'],
    ['GET', '/health'],
    ['POST', '/tools/execute'],
  ])('403 for a foreign Host on %s %s', async (method, path) => {
    const res = await rawRequest(stack.url, path, {
      method,
      headers: { ...MCP_POST_HEADERS, host: `evil.example:${port()}` },
      ...(method === 'POST' ? { body: path === '/mcp' ? initializeBody() : '{"tool":"list_instances"}' } : {}),
    });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/Host/);
  });

  it.each(['http://evil.example', 'https://localhost.evil.example', 'null', 'not a url'])('403 for Origin %j', async (origin) => {
    const res = await rawRequest(stack.url, '/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS, origin }, body: initializeBody() });
    expect(res.status).toBe(403);
    expect(res.json<{ jsonrpc: string }>().jsonrpc).toBe('2.0');
  });

  it('answers REST refusals in the REST error shape', async () => {
    const res = await rawRequest(stack.url, '/instances', { headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it.each(['localhost', '127.0.0.1', '[::1]'])('accepts loopback Host and Origin %s (any port)', async (host) => {
    const res = await rawRequest(stack.url, '/mcp', {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, host: `${host}:${port()}`, origin: `http://${host}:3000` },
      body: initializeBody(),
    });
    expect(res.status).toBe(200);
  });

  it('routes a request target literally: //host/path is no route, not a protocol-relative /path', async () => {
    const res = await rawRequest(stack.url, '//evil.example/instances');
    expect(res.status).toBe(404);
    expect(res.text).toContain('//evil.example/instances');
  });

  it('refuses a request without a Host header', async () => {
    // Node's own HTTP/1.1 parser answers 400 before our guard (which would say 403) sees it.
    const res = await rawRequest(stack.url, '/instances', { omitHost: true });
    expect(res.status).toBe(400);
  });
});
