import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ maxInstances: 3 });
});
afterAll(async () => {
  await stack.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const execute = (tool: string, args: unknown) => call('POST', '/tools/execute', { tool, arguments: args });

describe('REST', () => {
  it('GET /health reports status, version, uptime and instance counts', async () => {
    const { status, body } = await call('GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), uptime_seconds: expect.any(Number), instances: { live: expect.any(Number) } });
  });

  it('GET /tools lists names, descriptions and JSON Schemas from the registry', async () => {
    const { body } = await call('GET', '/tools');
    const spawn = body['tools'].find((t: { name: string }) => t.name === 'spawn_claude');
    expect(spawn.description).toMatch(/frontend_developer/);
    expect(spawn.input_schema.properties.role.enum).toContain('security_analyst');
    expect(spawn.input_schema.required).toEqual(['name']);
  });

  it('POST /tools/execute runs a tool with the same result as MCP, and maps errors to 400/404/409', async () => {
    const spawned = await execute('spawn_claude', { name: 'api', role: 'backend_developer' });
    expect(spawned.status).toBe(200);
    const id = spawned.body['structuredContent'].instance_id as string;
    expect(JSON.parse(spawned.body['content'][0].text)).toEqual(spawned.body['structuredContent']);

    const sent = await execute('send_to_instance', { instance_id: id, message: 'Design a REST API' });
    expect(sent.status).toBe(200);
    expect(sent.body['structuredContent'].usage.total_tokens).toBeGreaterThan(0);

    const listed = await call('GET', '/instances');
    expect(listed.body['instances'].map((i: { instance_id: string }) => i.instance_id)).toContain(id);
    const one = await call('GET', `/instances/${id}`);
    expect(one.body).toMatchObject({ instance_id: id, role: 'backend_developer', turns: 1 });

    expect((await execute('spawn_claude', { name: 'x', role: 'wizard' })).status).toBe(400);
    expect((await execute('get_instance_status', { instance_id: 'inst_missing' })).status).toBe(404);
    expect((await call('GET', '/instances/inst_missing')).status).toBe(404);
    expect((await execute('no_such_tool', {})).status).toBe(404);

    const ended = await call('DELETE', `/instances/${id}`);
    expect(ended.body).toMatchObject({ state: 'terminated', reason: 'requested' });
    const late = await execute('send_to_instance', { instance_id: id, message: 'hello?' });
    expect(late.status).toBe(409);
    expect(late.body['isError']).toBe(true);
    expect(late.body['error'] ?? late.body['structuredContent'].error).toMatchObject({ code: 'invalid_state' });
    expect((await call('GET', '/instances?include_terminated=true')).body['total']).toBeGreaterThan(0);
  });

  it('refuses spawns past the cap with 409 and a clear message', async () => {
    const ids: string[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await execute('spawn_claude', { name: `n${i}` });
      if (last.status === 200) ids.push(last.body['structuredContent'].instance_id);
    }
    expect(last?.status).toBe(409);
    expect(last?.body['structuredContent'].error.message).toMatch(/MAX_INSTANCES=3/);
    for (const id of ids) await call('DELETE', `/instances/${id}`);
  });

  it('ends an instance at its token or cost limit on the real stack, and then refuses it with 409', async () => {
    // Budgets that fit one turn with a useful reply (MIN_OUTPUT_TOKENS) but not a second one.
    const small = (await execute('spawn_claude', { name: 'small', max_total_tokens: 600 })).body['structuredContent'].instance_id as string;
    const cheap = (await execute('spawn_claude', { name: 'cheap', max_cost: 0.004 })).body['structuredContent'].instance_id as string;
    const a = await execute('send_to_instance', { instance_id: small, message: 'Explain the plan in detail.' });
    expect(a.body['structuredContent']).toMatchObject({ state: 'terminated', state_reason: 'limit:tokens' });
    const b = await execute('send_to_instance', { instance_id: cheap, message: 'Explain the plan in detail.' });
    expect(b.body['structuredContent']).toMatchObject({ state: 'terminated', state_reason: 'limit:cost' });
    const again = await execute('send_to_instance', { instance_id: small, message: 'more' });
    expect(again.status).toBe(409);
    expect(again.body['content'][0].text).toMatch(/terminated .*token limit/);
  });

  it('answers malformed requests with JSON 4xx bodies and stays up', async () => {
    expect((await call('POST', '/tools/execute', '{not json')).status).toBe(400);
    expect((await call('POST', '/tools/execute', { arguments: {} })).status).toBe(400);
    expect((await call('POST', '/tools/execute', '')).status).toBe(400);
    expect((await call('GET', '/tools/execute')).status).toBe(405);
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('GET', '/instances?limit=abc')).status).toBe(400);
    const big = await call('POST', '/tools/execute', JSON.stringify({ tool: 'list_instances', arguments: { pad: 'x'.repeat(5 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('rejects a foreign Host header (DNS rebinding) with 403', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/instances`, { headers: { host: 'evil.example:8001' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
