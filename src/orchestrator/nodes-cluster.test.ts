import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { STOPPED_HEARTBEAT } from '../store/owner.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { record } from '../test-support/records.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';
import { Orchestrator } from './orchestrator.js';

/**
 * Several orchestrators (nodes) on one store file, each on its own simulated machine (an injected host name)
 * with its own WORKSPACE_DIR unless they share one, and one clock the test moves. Their own timers are set an
 * hour apart so that only the test's sweeps run: a node "stops heartbeating" when the clock moves past it.
 */
const HEARTBEAT_S = 600;
const DEAD_S = 1800;

const clock = { ms: Date.parse('2026-11-25T12:00:00.000Z'), now: () => clock.ms };
const iso = () => new Date(clock.ms).toISOString();
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

interface Node {
  readonly orchestrator: Orchestrator;
  readonly id: string;
  readonly api: ScriptedBackend;
  readonly agent: ScriptedBackend;
  readonly store: SqliteStore;
}

let open: Node[] = [];
afterEach(async () => {
  await Promise.allSettled(open.map((n) => n.orchestrator.close()));
  open = [];
});

async function startNode(host: string, dbPath: string, workspaceDir: string, overrides: Partial<Config> = {}): Promise<Node> {
  const config = loadConfig({}, {}, { workspaceDir, nodeHeartbeatSeconds: HEARTBEAT_S, nodeDeadSeconds: DEAD_S, healthCheckIntervalSeconds: 3600, ...overrides });
  const api = new ScriptedBackend();
  const agent = new ScriptedBackend();
  const store = new SqliteStore(dbPath);
  const orchestrator = new Orchestrator({ config, backends: { api, 'claude-code': agent }, store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger(), clock, host });
  const node = { orchestrator, id: orchestrator.node().id, api, agent, store };
  open.push(node);
  await orchestrator.ready();
  return node;
}

/** A gate a scripted turn waits on, and its key. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('nodes on one store', () => {
  it('refuses a NODE_DEAD_SECONDS that a live node could reach between two heartbeats, saying why', () => {
    const config = loadConfig({}, {}, { workspaceDir: tmp('ws-'), nodeHeartbeatSeconds: 10, nodeDeadSeconds: 20 });
    const store = new SqliteStore(':memory:');
    expect(() => new Orchestrator({ config, store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger() })).toThrow(
      'NODE_DEAD_SECONDS (20) must be more than twice NODE_HEARTBEAT_SECONDS (10): a live node would be declared dead between two heartbeats.',
    );
    return store.close();
  });

  it('heartbeat: each sweep records the node alive at the clock; the timer writes it too; a clean close says it stopped', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const a = await startNode('machine-a', db, tmp('ws-a-'));
    expect(await a.store.getOwner(a.id)).toMatchObject({ host: 'machine-a', address: null, heartbeatAt: iso() });
    clock.ms += 5_000;
    await a.orchestrator.sweepNodes();
    expect((await a.store.getOwner(a.id))?.heartbeatAt).toBe(iso());
    await a.orchestrator.announceAddress('http://10.0.0.1:4100');
    expect(await a.store.getOwner(a.id)).toMatchObject({ address: 'http://10.0.0.1:4100' });

    const fast = await startNode('machine-f', db, tmp('ws-f-'), { nodeHeartbeatSeconds: 0.02, nodeDeadSeconds: 1 });
    const reader = new SqliteStore(db);
    clock.ms += 5_000;
    await expect.poll(async () => (await reader.getOwner(fast.id))?.heartbeatAt, { timeout: 20_000 }).toBe(iso());
    await fast.orchestrator.close();
    expect((await reader.getOwner(fast.id))?.heartbeatAt).toBe(STOPPED_HEARTBEAT);
    await reader.close();
  });

  it('declares a node dead once it has not heartbeated for NODE_DEAD_SECONDS: its turn interrupted, holds and lease released, task interrupted; its api instance continues elsewhere, its claude-code instance is unavailable', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const a = await startNode('machine-a', db, tmp('ws-a-'));
    const b = await startNode('machine-b', db, tmp('ws-b-'));
    await a.orchestrator.announceAddress('http://10.0.0.1:4100');
    const api = (await a.orchestrator.spawnInstance({ name: 'chat' })).instance_id;
    const agent = (await a.orchestrator.spawnInstance({ name: 'coder', backend: 'claude-code' })).instance_id;

    // Node a runs a turn that never ends (its host is about to fall silent), as a task.
    const held = gate();
    a.api.enqueue({ gate: held.wait });
    const task = a.orchestrator.tasks.start('send', `send to ${api}`, (signal) => a.orchestrator.sendToInstance({ instance_id: api, message: 'half done' }, { signal }), {
      tool: 'send_to_instance',
      arguments: { instance_id: api, message: 'half done' },
    });
    await expect.poll(() => b.store.holdOwners()).toEqual([a.id]);
    await expect.poll(async () => (await b.store.getTask(task.task_id))?.state).toBe('working');
    const lastHeard = (await b.store.getOwner(a.id))?.heartbeatAt;

    clock.ms += (DEAD_S - 1) * 1000;
    expect(await b.orchestrator.sweepNodes()).toEqual({ dead: [], takenBack: [] });
    expect(await b.store.holdOwners()).toEqual([a.id]);
    expect((await b.orchestrator.getInstanceStatus({ instance_id: agent })).node_available).toBe(true);

    clock.ms += 2_000;
    expect(await b.orchestrator.sweepNodes()).toEqual({ dead: [a.id], takenBack: [] });
    expect(await b.store.holdOwners()).toEqual([]);
    expect(await b.store.totals()).toMatchObject({ heldTokens: 0, heldNanos: 0 });
    expect(await b.store.leaseOf(api)).toBeNull();
    expect(await b.orchestrator.getInstanceStatus({ instance_id: api })).toMatchObject({ state: 'idle', error_count: 1, node: null, node_available: null });
    expect((await b.store.listMessages(api, { limit: 5, offset: 0 })).items[0]).toMatchObject({ content: 'half done', failed: true, error: expect.stringMatching(/Interrupted/) });
    expect(await b.store.getTask(task.task_id)).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } });
    expect(await b.store.listTasks('working', 10)).toEqual([]);

    // The api instance's conversation lives in the store: node b continues it.
    b.api.enqueue({ text: 'continued on b' });
    expect(await b.orchestrator.sendToInstance({ instance_id: api, message: 'again' })).toMatchObject({ reply: 'continued on b' });
    expect(b.api.calls.at(-1)?.input.message).toBe('again');

    // The claude-code instance's agent and workspace are on node a: nothing else can run it.
    const refused = b.orchestrator.sendToInstance({ instance_id: agent, message: 'hello?' });
    await expect(refused).rejects.toMatchObject({
      code: 'unavailable',
      message: `Instance ${agent} runs on node ${a.id} (http://10.0.0.1:4100), which stopped heartbeating at ${lastHeard}; it is unavailable until that node returns. Its agent and workspace live on that node. If WORKSPACE_DIR is a volume every node shares, set SHARED_WORKSPACES=true so another node resumes it.`,
    });
    await expect(b.orchestrator.prepareSend({ instance_id: agent, message: 'hello?' })).rejects.toMatchObject({ code: 'unavailable' });
    expect(b.agent.calls).toEqual([]);
    const listed = (await b.orchestrator.listInstances()).instances.map((v) => [v.name, v.node, v.node_available]);
    expect(listed).toEqual(expect.arrayContaining([['chat', null, null], ['coder', a.id, false]]));
    held.open();
  });

  it('sends to a claude-code instance of a live node elsewhere are refused with that node\'s address (they run there)', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const a = await startNode('machine-a', db, tmp('ws-a-'));
    const b = await startNode('machine-b', db, tmp('ws-b-'));
    await a.orchestrator.announceAddress('http://10.0.0.1:4100');
    const agent = (await a.orchestrator.spawnInstance({ name: 'coder', backend: 'claude-code' })).instance_id;
    expect(await b.orchestrator.getInstanceStatus({ instance_id: agent })).toMatchObject({ node: a.id, node_available: true });
    await expect(b.orchestrator.sendToInstance({ instance_id: agent, message: 'hi' })).rejects.toMatchObject({
      code: 'unavailable',
      message: `Instance ${agent} runs on node ${a.id}, where its agent and workspace live: send to it through that node's address, http://10.0.0.1:4100.`,
    });
    a.agent.enqueue({ text: 'done on a' });
    expect(await a.orchestrator.sendToInstance({ instance_id: agent, message: 'hi' })).toMatchObject({ reply: 'done on a' });
    // Any node may end it; only its own node can remove its workspace, and none claims to have.
    const workspace = (await a.orchestrator.getInstanceStatus({ instance_id: agent })).workspace;
    expect(await b.orchestrator.terminateInstance({ instance_id: agent })).toMatchObject({ state: 'terminated', workspace_removed: false });
    expect(existsSync(workspace)).toBe(true);
    const own = (await a.orchestrator.spawnInstance({ name: 'own', backend: 'claude-code' })).instance_id;
    expect(await a.orchestrator.terminateInstance({ instance_id: own })).toMatchObject({ state: 'terminated', workspace_removed: true });
  });

  it('a node restarted on the same machine and WORKSPACE_DIR takes back its claude-code instances; a node with another WORKSPACE_DIR leaves them', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const wsA = tmp('ws-a-');
    const first = await startNode('machine-a', db, wsA);
    const agent = (await first.orchestrator.spawnInstance({ name: 'coder', backend: 'claude-code' })).instance_id;
    first.agent.enqueue({ text: 'before the restart' });
    await first.orchestrator.sendToInstance({ instance_id: agent, message: 'one' });
    await first.orchestrator.close();

    // Another server on the same machine, with its own WORKSPACE_DIR, sees the node gone but can't reach its workspace.
    const neighbour = await startNode('machine-a', db, tmp('ws-n-'));
    expect((await neighbour.store.getInstance(agent))?.node).toBe(first.id);

    const restarted = await startNode('machine-a', db, wsA);
    expect((await restarted.store.getInstance(agent))?.node).toBe(restarted.id);
    restarted.agent.enqueue({ text: 'after the restart' });
    expect(await restarted.orchestrator.sendToInstance({ instance_id: agent, message: 'two' })).toMatchObject({ reply: 'after the restart' });
    // The session resumed with the whole conversation.
    expect(restarted.agent.calls[0]?.input.history.map((m) => m.content)).toEqual(['one', 'before the restart']);
  });

  it('a restart also takes back the instances of a predecessor that crashed (its process is gone), in one sweep', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const ws = tmp('ws-a-');
    const crashed = { id: 'machine-a:999999999:1:dead', host: 'machine-a', pid: 999_999_999, processStart: '1', startedAt: iso(), address: null, heartbeatAt: iso() };
    const seed = new SqliteStore(db);
    await seed.transaction(async (tx) => {
      await tx.registerOwner(crashed);
      for (const id of ['inst_one', 'inst_two']) await tx.insertInstance(record(id, { backend: 'claude-code', node: crashed.id, workspace: join(ws, id) }));
      await tx.insertInstance(record('inst_far', { backend: 'claude-code', node: crashed.id, workspace: '/elsewhere/inst_far' }));
    });
    await seed.close();
    const restarted = await startNode('machine-a', db, ws);
    expect((await restarted.store.instancesOnNode(restarted.id, 10)).map((r) => r.id).sort()).toEqual(['inst_one', 'inst_two']);
    expect((await restarted.store.getInstance('inst_far'))?.node).toBe(crashed.id);
    await expect(restarted.orchestrator.sendToInstance({ instance_id: 'inst_far', message: 'x' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a node restarted under another host name on the same workspace volume takes the instances back once the old one is declared dead', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const ws = tmp('ws-volume-');
    const old = await startNode('pod-1', db, ws);
    const agent = (await old.orchestrator.spawnInstance({ name: 'coder', backend: 'claude-code' })).instance_id;
    const other = (await old.orchestrator.spawnInstance({ name: 'elsewhere', backend: 'claude-code' })).instance_id;
    // One workspace is not on this volume (it was lost with the old pod's scratch disk, say).
    rmSync(join(ws, other), { recursive: true });
    const fresh = await startNode('pod-2', db, ws);
    expect((await fresh.store.getInstance(agent))?.node).toBe(old.id);
    clock.ms += (DEAD_S + 1) * 1000;
    expect(await fresh.orchestrator.sweepNodes()).toEqual({ dead: [old.id], takenBack: [agent] });
    expect(await fresh.orchestrator.getInstanceStatus({ instance_id: agent })).toMatchObject({ node: fresh.id, node_available: true });
    expect(await fresh.orchestrator.getInstanceStatus({ instance_id: other })).toMatchObject({ node: old.id, node_available: false });
  });

  it('with SHARED_WORKSPACES a live node takes over a dead node\'s claude-code instance on its next send and resumes its session', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const shared = tmp('ws-shared-');
    const a = await startNode('machine-a', db, shared, { sharedWorkspaces: true });
    const b = await startNode('machine-b', db, shared, { sharedWorkspaces: true });
    const agent = (await a.orchestrator.spawnInstance({ name: 'coder', backend: 'claude-code' })).instance_id;
    a.agent.enqueue({ text: 'first on a' });
    await a.orchestrator.sendToInstance({ instance_id: agent, message: 'one' });
    // While a lives, its agent runs there.
    await expect(b.orchestrator.sendToInstance({ instance_id: agent, message: 'two' })).rejects.toMatchObject({ code: 'unavailable' });

    clock.ms += (DEAD_S + 1) * 1000;
    expect((await b.orchestrator.getInstanceStatus({ instance_id: agent })).node_available).toBe(true);
    b.agent.enqueue({ text: 'resumed on b' });
    expect(await b.orchestrator.sendToInstance({ instance_id: agent, message: 'two' })).toMatchObject({ reply: 'resumed on b' });
    expect(await b.orchestrator.getInstanceStatus({ instance_id: agent })).toMatchObject({ node: b.id, node_available: true });
    expect(b.agent.calls[0]?.spec).toMatchObject({ instanceId: agent, workspace: join(shared, agent) });
    expect(b.agent.calls[0]?.input.history.map((m) => m.content)).toEqual(['one', 'first on a']);
  });

  it('a send waiting for the lease of a node that died mid-turn runs once that turn is taken back, by the death sweep or by the lease running out', async () => {
    const db = join(tmp('nodes-'), 'orchestrator.db');
    const a = await startNode('machine-a', db, tmp('ws-a-'));
    const b = await startNode('machine-b', db, tmp('ws-b-'));
    const chat = (await a.orchestrator.spawnInstance({ name: 'chat' })).instance_id;
    const held = gate();
    a.api.enqueue({ gate: held.wait });
    void a.orchestrator.sendToInstance({ instance_id: chat, message: 'left half done' }).catch(() => undefined);
    await expect.poll(async () => (await b.store.getInstance(chat))?.state).toBe('busy');

    // b's send waits for a's lease (b's queue now counts the instance as busy); then a falls silent for good.
    b.api.enqueue({ text: 'answered on b' });
    const waiting = b.orchestrator.sendToInstance({ instance_id: chat, message: 'are you there?' });
    clock.ms += (DEAD_S + 1) * 1000;
    await b.orchestrator.sweepNodes();
    expect(await waiting).toMatchObject({ reply: 'answered on b' });
    const messages = (await b.store.listMessages(chat, { limit: 10, offset: 0 })).items;
    expect(messages.map((m) => [m.content, m.failed === true])).toEqual([['left half done', true], ['are you there?', false], ['answered on b', false]]);
    expect(await b.store.holdOwners()).toEqual([]);

    // Only the lease running out (a is not yet declared dead): the next turn takes the left one back itself.
    const second = (await a.orchestrator.spawnInstance({ name: 'second' })).instance_id;
    const c = await startNode('machine-c', db, tmp('ws-c-'));
    const stuck = gate();
    c.api.enqueue({ gate: stuck.wait });
    void c.orchestrator.sendToInstance({ instance_id: second, message: 'stuck on c' }).catch(() => undefined);
    await expect.poll(async () => (await b.store.getInstance(second))?.state).toBe('busy');
    clock.ms += 60_000;
    b.api.enqueue({ text: 'b took it back' });
    expect(await b.orchestrator.sendToInstance({ instance_id: second, message: 'next' })).toMatchObject({ reply: 'b took it back' });
    expect((await b.store.listMessages(second, { limit: 10, offset: 0 })).items.find((m) => m.content === 'stuck on c')).toMatchObject({ failed: true, error: expect.stringMatching(/Interrupted/) });
    held.open();
    stuck.open();
  });
});
