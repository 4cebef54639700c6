import { Client, InMemoryTransport, ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { countListeners } from '../test-support/listener-count.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { CONVERSATION_URI_TEMPLATE, conversationInstanceId, conversationUri } from './mcp-resources.js';
import { createMcpServer } from './mcp-server.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.orchestrator.close();
  fixture = undefined;
});

interface Connected {
  readonly client: Client;
  readonly updated: string[];
  listChanged: number;
}

/** A real MCP client on the SDK's in-memory transport (2025 era: resources/subscribe). */
async function connect(f: Fixture): Promise<Connected> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(f.orchestrator).connect(serverSide);
  const client = new Client({ name: 'resources-test', version: '1.0.0' });
  const connected: Connected = { client, updated: [], listChanged: 0 };
  client.setNotificationHandler('notifications/resources/updated', (n) => void connected.updated.push(n.params.uri));
  client.setNotificationHandler('notifications/resources/list_changed', () => void (connected.listChanged += 1));
  await client.connect(clientSide);
  return connected;
}

async function spawn(f: Fixture, name: string): Promise<string> {
  return (await f.orchestrator.spawnInstance({ name, role: 'backend_developer' })).instance_id;
}

async function send(f: Fixture, id: string, message: string, reply: string): Promise<void> {
  f.backend.enqueue({ text: reply });
  await f.orchestrator.sendToInstance({ instance_id: id, message });
}

describe('conversations as MCP resources', () => {
  it('advertises subscribe and listChanged, and the template', async () => {
    fixture = orchestratorFixture();
    const { client } = await connect(fixture);
    expect(client.getServerCapabilities()?.resources).toEqual({ subscribe: true, listChanged: true });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: CONVERSATION_URI_TEMPLATE, mimeType: 'text/markdown' })]);
    await client.close();
  });

  it('lists live instances only, paged with a cursor', async () => {
    fixture = orchestratorFixture({ maxInstances: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 52; i++) ids.push(await spawn(fixture, `worker ${i}`));
    await fixture.orchestrator.terminateInstance({ instance_id: ids[0]! });
    const { client } = await connect(fixture);

    // One page at a time, as the wire has them (listResources() without a cursor walks them all for us).
    const first = await client.request({ method: 'resources/list', params: {} });
    expect(first.resources).toHaveLength(50);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.listResources({ cursor: first.nextCursor! });
    expect(second.nextCursor).toBeUndefined();
    const listed = [...first.resources, ...second.resources].map((r) => r.uri);
    expect(listed.sort()).toEqual(ids.slice(1).map(conversationUri).sort());
    expect((await client.listResources()).resources).toHaveLength(51);
    expect(first.resources[0]).toMatchObject({ name: expect.stringContaining('worker'), mimeType: 'text/markdown', description: expect.stringContaining('backend_developer') });

    await expect(client.listResources({ cursor: 'not-a-cursor' })).rejects.toThrow(/Invalid cursor/);
    await client.close();
  });

  it('reads a conversation as markdown, the latest messages with a note on paging; unknown ids are not found', async () => {
    fixture = orchestratorFixture();
    const id = await spawn(fixture, 'Scribe');
    const { client } = await connect(fixture);
    const empty = await client.readResource({ uri: conversationUri(id) });
    expect(empty.contents[0]).toMatchObject({ uri: conversationUri(id), mimeType: 'text/markdown', text: expect.stringContaining('No messages yet.') });

    await send(fixture, id, 'Write a line about rivers.', 'Rivers remember every stone.');
    const one = await client.readResource({ uri: conversationUri(id) });
    const text = (one.contents[0] as { text: string }).text;
    expect(text).toContain(`# Scribe (${id})`);
    expect(text).toContain('All 2 messages.');
    expect(text).toMatch(/## 1\. user · \d{4}-\d\d-\d\dT/);
    expect(text).toContain('Write a line about rivers.');
    expect(text).toMatch(/## 2\. assistant · .* in \/ \d+ out tokens · \$\d+\.\d{4} · \d+ ms/);
    expect(text).toContain('Rivers remember every stone.');

    for (let i = 0; i < 25; i++) await send(fixture, id, `question ${i}`, `answer ${i}`);
    const long = (await client.readResource({ uri: conversationUri(id) })).contents[0] as { text: string };
    expect(long.text).toContain('Messages 3–52 of 52 (the most recent)');
    expect(long.text).toContain(`get_instance_output with {"instance_id": "${id}", "offset": 0, "limit": 50}`);
    expect(long.text).not.toContain('Rivers remember every stone.');
    expect(long.text).toContain('answer 24');

    for (const uri of [conversationUri('inst_missing'), 'orchestrator://instances/x/elsewhere']) {
      const failure = await client.readResource({ uri }).catch((error: unknown) => error);
      expect(failure, uri).toBeInstanceOf(ProtocolError);
      expect((failure as ProtocolError).message).toMatch(/No resource/);
    }
    await client.close();
  });

  it('sends resources/updated after each turn to subscribers of that conversation only, and list_changed as instances come and go', async () => {
    fixture = orchestratorFixture();
    const a = await spawn(fixture, 'A');
    const b = await spawn(fixture, 'B');
    const watcher = await connect(fixture);
    const bystander = await connect(fixture);
    await watcher.client.subscribeResource({ uri: conversationUri(a) });

    await send(fixture, a, 'hello', 'hi');
    await expect.poll(() => watcher.updated).toEqual([conversationUri(a)]);

    // Unsubscribed from a, subscribed to b: b's turn arrives, a's (sent before it) never does.
    await watcher.client.unsubscribeResource({ uri: conversationUri(a) });
    await watcher.client.subscribeResource({ uri: conversationUri(b) });
    await send(fixture, a, 'again', 'sure');
    await send(fixture, b, 'hello', 'hi');
    await expect.poll(() => watcher.updated).toEqual([conversationUri(a), conversationUri(b)]);

    const before = watcher.listChanged;
    await spawn(fixture, 'C');
    await expect.poll(() => watcher.listChanged).toBe(before + 1);
    await fixture.orchestrator.terminateInstance({ instance_id: b });
    // Termination changes the list, and b's conversation (its state) changed too.
    await expect.poll(() => watcher.listChanged).toBe(before + 2);
    await expect.poll(() => watcher.updated.at(-1)).toBe(conversationUri(b));
    expect(bystander.updated).toEqual([]);

    await expect(watcher.client.subscribeResource({ uri: conversationUri('inst_missing') })).rejects.toThrow(/No resource/);
    await watcher.client.close();
    await bystander.client.close();
  });

  it('keeps one event listener per open connection, and none once it closes', async () => {
    fixture = orchestratorFixture();
    const listeners = countListeners(fixture.orchestrator.events);
    const one = await connect(fixture);
    const two = await connect(fixture);
    await expect.poll(listeners).toBe(2);
    await one.client.close();
    await two.client.close();
    await expect.poll(listeners).toBe(0);
  });

  it('round-trips ids through URIs, and rejects URIs that are not conversations', () => {
    expect(conversationInstanceId(conversationUri('inst_a/b c'))).toBe('inst_a/b c');
    expect(conversationInstanceId('orchestrator://instances/%E0%A4%A/conversation')).toBeUndefined();
    expect(conversationInstanceId('orchestrator://instances//conversation')).toBeUndefined();
    expect(conversationInstanceId('file:///etc/passwd')).toBeUndefined();
  });
});
