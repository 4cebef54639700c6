import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, initializeBody, MCP_POST_HEADERS, rawRequest } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';

const TOKEN = randomBytes(32).toString('hex');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ tokens: [TOKEN] });
});
afterAll(async () => {
  await stack.close();
});

const ROUTES: Array<[string, string, string?]> = [
  ['GET', '/tools'],
  ['POST', '/tools/execute', JSON.stringify({ tool: 'list_instances', arguments: {} })],
  ['GET', '/instances'],
  ['GET', '/instances/inst_0123456789abcdef0123456789abcdef'],
  ['DELETE', '/instances/inst_0123456789abcdef0123456789abcdef'],
  ['POST', '/mcp', initializeBody()],
  ['GET', '/mcp'],
  ['DELETE', '/mcp'],
  ['GET', '/no-such-route'],
  ['HEAD', '/tools'],
];

describe('with ORCHESTRATOR_TOKEN set', () => {
  it.each(ROUTES)('%s %s without a token is 401 with a Bearer challenge', async (method, path, body) => {
    const res = await rawRequest(stack.url, path, { method, headers: { ...MCP_POST_HEADERS }, ...(body ? { body } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="claude-orchestrator"');
    if (method !== 'HEAD') expect(res.text).not.toContain('inst_');
  });

  it.each(ROUTES)('%s %s with a wrong token is 401 invalid_token', async (method, path, body) => {
    const wrong = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('0') ? '1' : '0'}`;
    const res = await rawRequest(stack.url, path, { method, headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${wrong}` }, ...(body ? { body } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it.each([`Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer`, `Bearer ${TOKEN} extra`, `Bearer  ${TOKEN}x`])(
    'refuses a malformed Authorization header %#',
    async (authorization) => {
      expect((await rawRequest(stack.url, '/instances', { headers: { authorization } })).status).toBe(401);
    },
  );

  it('answers every route normally with the token, REST and MCP alike', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await rawRequest(stack.url, '/tools', { headers: auth })).status).toBe(200);
    expect((await rawRequest(stack.url, '/instances', { headers: auth })).status).toBe(200);
    // Case-insensitive scheme, as RFC 7235 says.
    expect((await rawRequest(stack.url, '/instances', { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    for (const mode of ['legacy', 'auto'] as const) {
      const client = await connectClient(stack.url, { token: TOKEN, mode });
      const spawned = await client.callTool({ name: 'spawn_claude', arguments: { name: `authed-${mode}` } });
      expect(spawned.isError).toBeFalsy();
      const id = (spawned.structuredContent as { instance_id: string }).instance_id;
      expect((await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } })).isError).toBeFalsy();
      await client.close();
    }
  });

  it('an MCP client without the token cannot connect, in either protocol era', async () => {
    await expect(connectClient(stack.url, { mode: 'legacy' })).rejects.toThrow();
    await expect(connectClient(stack.url, { mode: 'auto' })).rejects.toThrow();
  });

  it('keeps GET /health open for liveness checks, without any instance data', async () => {
    const res = await rawRequest(stack.url, '/health');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(['status', 'uptime_seconds', 'version']);
    expect((await rawRequest(stack.url, '/health', { method: 'HEAD' })).status).toBe(200);
    // The token holder still gets the full view.
    const full = await rawRequest(stack.url, '/health', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(full.json()).toHaveProperty('instances');
  });

  it('does not open anything but GET/HEAD /health', async () => {
    expect((await rawRequest(stack.url, '/health', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});

describe('without a token (loopback default)', () => {
  it('serves every route without Authorization and shows full health', async () => {
    const open = await startStack();
    try {
      expect((await rawRequest(open.url, '/instances')).status).toBe(200);
      expect((await rawRequest(open.url, '/health')).json()).toHaveProperty('instances');
    } finally {
      await open.close();
    }
  });
});
