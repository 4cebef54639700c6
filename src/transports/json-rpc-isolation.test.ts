import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, firstRpcMessage, MCP_POST_HEADERS, openRawSession, rawRequest } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';

// Every client numbers its JSON-RPC requests from the same start, so two clients doing the same things send
// the very same ids at the same moments. Each must only ever see its own answers.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ maxInstances: 20 });
});
afterAll(async () => {
  await stack.close();
});

type Structured = { instance_id: string; name?: string };

async function spawnThree(client: Client, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await client.callTool({ name: 'spawn_claude', arguments: { name: `${prefix}-${i}` } });
    ids.push((r.structuredContent as Structured).instance_id);
  }
  return ids;
}

/** Many calls at once from one client: sends (slow, over the simulator) and status reads (fast), interleaved. */
function burst(client: Client, ids: string[]) {
  return Promise.all([
    ...ids.map((id) => client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: `hello ${id}` } })),
    ...ids.flatMap((id) => [...Array(4)].map(() => client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } }))),
  ]);
}

describe.each(['legacy', 'auto'] as const)('two concurrent %s clients with colliding JSON-RPC ids', (mode) => {
  it('each sees only its own responses', async () => {
    const [alice, bob] = await Promise.all([connectClient(stack.url, { mode, name: 'alice' }), connectClient(stack.url, { mode, name: 'bob' })]);
    const [aliceIds, bobIds] = await Promise.all([spawnThree(alice, 'alice'), spawnThree(bob, 'bob')]);
    for (let round = 0; round < 3; round++) {
      const [aliceResults, bobResults] = await Promise.all([burst(alice, aliceIds), burst(bob, bobIds)]);
      for (const r of aliceResults) {
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        expect(aliceIds).toContain((r.structuredContent as Structured).instance_id);
      }
      for (const r of bobResults) {
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        expect(bobIds).toContain((r.structuredContent as Structured).instance_id);
      }
    }
    for (const [client, ids] of [
      [alice, aliceIds],
      [bob, bobIds],
    ] as const) {
      for (const id of ids) await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
      await client.close();
    }
  });
});

describe('raw requests with the same id in two sessions at once', () => {
  it('answer each session with its own method result', async () => {
    const [one, two] = await Promise.all([openRawSession(stack.url), openRawSession(stack.url)]);
    const send = (session: string, method: string) =>
      rawRequest(stack.url, '/mcp', {
        method: 'POST',
        headers: { ...MCP_POST_HEADERS, 'mcp-session-id': session },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: {} }),
      });
    const pairs = await Promise.all([...Array(10)].map(() => Promise.all([send(one, 'tools/list'), send(two, 'ping')])));
    for (const [list, ping] of pairs) {
      const listed = firstRpcMessage(list.text);
      const pinged = firstRpcMessage(ping.text);
      expect(listed).toMatchObject({ id: 7, result: { tools: expect.any(Array) } });
      expect(pinged).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    }
  });
});
