import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { BIN } from '../test-support/bin.js';
import { countListeners } from '../test-support/listener-count.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { conversationUri } from './mcp-resources.js';

/**
 * Conversation resources through the real client, on both transports and both protocol eras:
 * 2025 (`initialize`; `resources/subscribe`, updates pushed on the connection: stdio, or the session's
 * standalone GET stream over HTTP) and 2026-07-28 (`subscriptions/listen`, its own SSE stream over HTTP).
 */
type Era = 'legacy' | 'modern';

let sim: RunningSimulator;
let stack: Stack;
beforeAll(async () => {
  sim = await startSimulator();
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
  await sim.close();
});

function newClient(era: Era): { client: Client; updated: string[] } {
  const client = new Client({ name: 'resources-e2e', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
  const updated: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
  return { client, updated };
}

function stdioTransport(): Transport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--stdio'],
    cwd: mkdtempSync(join(tmpdir(), 'client-cwd-')),
    env: { PATH: '/usr/bin:/bin', ANTHROPIC_API_KEY: 'sim-key', ANTHROPIC_BASE_URL: sim.url, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'orch-ws-')) },
    stderr: 'pipe',
  });
}

/** Spawn, subscribe, send a turn: the update arrives, and the resource reads as the conversation it now is. */
async function exercise(era: Era, transport: Transport): Promise<void> {
  const { client, updated } = newClient(era);
  await client.connect(transport);
  if (era === 'modern') expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  expect(client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true, listChanged: true });

  const spawned = await client.callTool({ name: 'spawn_claude', arguments: { name: 'Poet', role: 'general' } });
  const id = (spawned.structuredContent as { instance_id: string }).instance_id;
  const uri = conversationUri(id);
  expect((await client.listResources()).resources.map((r) => r.uri)).toContain(uri);

  let close = async () => undefined as void;
  if (era === 'legacy') {
    await client.subscribeResource({ uri });
    close = async () => void (await client.unsubscribeResource({ uri }));
  } else {
    const subscription = await client.listen({ resourceSubscriptions: [uri] });
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
    close = () => subscription.close();
  }

  const sent = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'A line about the sea, please.' } });
  const reply = (sent.structuredContent as { reply: string }).reply;
  await expect.poll(() => updated, { timeout: 30_000 }).toContain(uri);

  const read = await client.readResource({ uri });
  const text = (read.contents[0] as { text: string; mimeType: string }).text;
  expect(read.contents[0]).toMatchObject({ uri, mimeType: 'text/markdown' });
  expect(text).toContain('A line about the sea, please.');
  expect(text).toContain(reply.split('\n')[0]);
  expect(text).toContain('All 2 messages.');

  await close();
  await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
  await client.close();
}

describe.each(['legacy', 'modern'] as const)('conversation resources, %s era', (era) => {
  it('over stdio (the built bin, the simulator as the API)', async () => {
    await exercise(era, stdioTransport());
  });

  it('over Streamable HTTP', async () => {
    await exercise(era, new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
  });
});

describe('event listeners over HTTP', () => {
  it('none per 2026 request; one per 2025 session, gone when the session ends', async () => {
    const listeners = countListeners(stack.server.orchestrator.events);
    const modern = newClient('modern').client;
    await modern.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
    await modern.listResources();
    await modern.callTool({ name: 'list_instances', arguments: {} });
    expect(listeners()).toBe(0);
    await modern.close();

    const legacy = newClient('legacy').client;
    const transport = new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`));
    await legacy.connect(transport);
    await expect.poll(listeners).toBe(1);
    await transport.terminateSession();
    await expect.poll(listeners).toBe(0);
    await legacy.close();
  });
});
