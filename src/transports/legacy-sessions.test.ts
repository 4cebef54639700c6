import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../observability/logger.js';
import { initializeBody, MCP_POST_HEADERS, openRawSession, rawRequest } from '../test-support/http.js';
import { orchestratorFixture } from '../test-support/orchestrator-fixture.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { startHttpServer } from './http-server.js';
import { LegacySessions } from './legacy-sessions.js';

const TOKEN_A = randomBytes(32).toString('hex');
const TOKEN_B = randomBytes(32).toString('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ tokens: [TOKEN_A, TOKEN_B] });
});
afterAll(async () => {
  await stack.close();
});

const post = (sessionId: string | undefined, token: string, body = toolsList) =>
  rawRequest(stack.url, '/mcp', {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, ...bearer(token), ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
    body,
  });

describe('2025-era MCP sessions over HTTP', () => {
  it('gives a real client an unguessable session id (256 random bits), a new one per client', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', stack.url), { authProvider: { token: async () => TOKEN_A } });
      const client = new Client({ name: 'c', version: '1' });
      await client.connect(transport);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      ids.push(transport.sessionId ?? '');
      await client.close();
    }
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('answers an unknown session id with 404, as the spec says', async () => {
    const res = await post(randomBytes(32).toString('base64url'), TOKEN_A);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  });

  it('binds a session to the credential that opened it: another token gets the same 404 as an unknown id', async () => {
    const id = await openRawSession(stack.url, bearer(TOKEN_A));
    expect((await post(id, TOKEN_A)).status).toBe(200);
    const stolen = await post(id, TOKEN_B);
    expect(stolen.status).toBe(404);
    expect(stolen.text).not.toContain('tools');
    const stolenDelete = await rawRequest(stack.url, '/mcp', { method: 'DELETE', headers: { ...bearer(TOKEN_B), 'mcp-session-id': id } });
    expect(stolenDelete.status).toBe(404);
    // The owner's session survived both attempts.
    expect((await post(id, TOKEN_A)).status).toBe(200);
  });

  it('ends a session on DELETE; the id is then unknown', async () => {
    const id = await openRawSession(stack.url, bearer(TOKEN_A));
    const deleted = await rawRequest(stack.url, '/mcp', { method: 'DELETE', headers: { ...bearer(TOKEN_A), 'mcp-session-id': id } });
    expect(deleted.status).toBe(200);
    expect((await post(id, TOKEN_A)).status).toBe(404);
  });

  it('asks for initialize first when a request carries no session id', async () => {
    const res = await post(undefined, TOKEN_A);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/Mcp-Session-Id header is required/);
    const get = await rawRequest(stack.url, '/mcp', { headers: { ...bearer(TOKEN_A), accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
  });

  it('lets the server ask the client during a tool call (elicitation needs a session)', async () => {
    const { orchestrator } = orchestratorFixture();
    const server = await startHttpServer({
      orchestrator,
      logger: silentLogger(),
      host: '127.0.0.1',
      port: 0,
      backends: {},
      createMcpServer: () => {
        const mcp = new McpServer({ name: 'asks', version: '1' }, { capabilities: { tools: {} } });
        mcp.registerTool('ask', { inputSchema: z.object({}) }, async (_args, ctx) => {
          const answer = await ctx.mcpReq.elicitInput({ message: 'Allow?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
          return { content: [{ type: 'text', text: `${answer.action}:${JSON.stringify(answer.content)}` }] };
        });
        return mcp;
      },
    });
    try {
      const client = new Client({ name: 'c', version: '1' }, { capabilities: { elicitation: { form: {} } } });
      client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { ok: true } }));
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url)));
      const result = await client.callTool({ name: 'ask', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'accept:{"ok":true}' }]);
      await client.close();
    } finally {
      await server.close();
      await orchestrator.close();
    }
  });
});

describe('LegacySessions lifetime', () => {
  const initialize = (headers: Record<string, string> = {}) =>
    new Request('http://localhost/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS, ...headers }, body: initializeBody() });
  const list = (id: string) => new Request('http://localhost/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id }, body: toolsList });

  function sessions(maxSessions = 10) {
    const clock = { ms: 0 };
    const errors: Error[] = [];
    const registry = new LegacySessions({
      createServer: () => new McpServer({ name: 't', version: '1' }, { capabilities: { tools: {} } }),
      idleMs: 60_000,
      maxSessions,
      maxRequestBodySize: 1 << 20,
      now: () => clock.ms,
      onerror: (error) => errors.push(error),
    });
    return { clock, registry, errors };
  }

  async function open(registry: LegacySessions, principal = 'p'): Promise<string> {
    const res = await registry.handle(initialize(), principal);
    await res.body?.cancel();
    const id = res.headers.get('mcp-session-id');
    if (!id) throw new Error(`no session: ${res.status}`);
    return id;
  }

  it('closes sessions idle past idleMs, and never one with a request in flight', async () => {
    const { clock, registry, errors } = sessions();
    const idle = await open(registry);
    const busy = await open(registry);
    const release = registry.track(busy, 'p');
    registry.track(idle, 'someone else');
    clock.ms += 59_000;
    expect(await registry.sweep()).toBe(0);
    clock.ms += 2_000;
    expect(await registry.sweep()).toBe(1);
    expect((await registry.handle(list(idle), 'p')).status).toBe(404);
    expect((await registry.handle(list(busy), 'p')).status).toBe(200);
    release();
    clock.ms += 61_000;
    expect(await registry.sweep()).toBe(1);
    expect(registry.size).toBe(0);
    await registry.close();
    expect(errors).toEqual([]);
  });

  it('at the cap, closes the least recently used idle session to make room; 503 when all are busy', async () => {
    const { clock, registry, errors } = sessions(2);
    const first = await open(registry);
    clock.ms += 1;
    const second = await open(registry);
    clock.ms += 1;
    const third = await open(registry);
    expect(registry.size).toBe(2);
    expect((await registry.handle(list(first), 'p')).status).toBe(404);
    registry.track(second, 'p');
    registry.track(third, 'p');
    const refused = await registry.handle(initialize(), 'p');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    await registry.close();
    expect(errors).toEqual([]);
  });
});
