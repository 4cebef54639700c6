import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../test-support/bin.js';
import { agentScript, HOLD, holdRule } from '../test-support/claude-code-kit.js';
import { startPostgres, type PostgresCluster } from '../test-support/postgres.js';
import { queueNameOf } from './job-queue.js';

/**
 * Nodes as separate processes (the built bin), each with its own WORKSPACE_DIR and HOME (separate machines
 * but for the host name), on one PostgreSQL database, against the simulator. Heartbeats every second and a
 * node dead after three, so a death is noticed quickly; every wait is for a condition, with generous bounds.
 */

type S = Record<string, any>;

let cluster: PostgresCluster;
let sim: RunningSimulator;
const hold = holdRule();
const running: RunningBin[] = [];

beforeAll(async () => {
  [cluster, sim] = await Promise.all([startPostgres(), startSimulator({ script: agentScript([hold.rule]) })]);
}, 120_000);
afterAll(async () => {
  hold.release();
  for (const bin of running) bin.child.kill('SIGKILL');
  await Promise.all(running.map((bin) => bin.exited));
  await sim?.close();
  await cluster?.stop();
});

interface Node {
  readonly bin: RunningBin;
  readonly url: string;
  readonly dir: string;
}

async function startNode(db: string, dir = realpathSync(mkdtempSync(join(tmpdir(), 'node-ws-'))), extra: Record<string, string> = {}): Promise<Node> {
  const bin = startBin(
    ['--port', '0', '--host', '127.0.0.1'],
    bareEnv({
      ORCHESTRATOR_DB: db,
      WORKSPACE_DIR: dir,
      ANTHROPIC_API_KEY: 'sim',
      ANTHROPIC_BASE_URL: sim.url,
      NODE_HEARTBEAT_SECONDS: '1',
      NODE_DEAD_SECONDS: '3',
      MAX_TOKENS_PER_INSTANCE: '1000000',
      LOG_LEVEL: 'info',
      ...extra,
    }),
  );
  running.push(bin);
  return { bin, url: await bin.url, dir };
}

async function call(node: Node, tool: string, args: S): Promise<{ status: number; body: S }> {
  const res = await fetch(`${node.url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  const body = (await res.json()) as S;
  // A tool's result, or the HTTP error of a request refused before any tool ran.
  return { status: res.status, body: (body['structuredContent'] ?? body) as S };
}

async function tool(node: Node, name: string, args: S): Promise<S> {
  const { status, body } = await call(node, name, args);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

async function get(node: Node, path: string): Promise<S> {
  const res = await fetch(`${node.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as S;
}

const POLL = { timeout: 60_000, interval: 100 };

describe('nodes on one PostgreSQL database, as separate processes', () => {
  let a: Node;
  let b: Node;
  let db: string;
  // Shared by the cases below, in order: the claude-code instance A hosts, and A's api instance.
  let agent = '';
  let nodeA = '';

  beforeAll(async () => {
    db = await cluster.createDatabase();
    // At the same moment, on a new database: both create the schemas (the store's and pg-boss's) at once.
    [a, b] = await Promise.all([startNode(db), startNode(db)]);
  }, 120_000);

  it('an api instance spawned on A converses through B with its history intact; every node lists every node\'s instances with their node', async () => {
    const { instance_id } = await tool(a, 'spawn_claude', { name: 'shared-api' });
    await tool(a, 'send_to_instance', { instance_id, message: 'first turn, on node A' });
    const second = await tool(b, 'send_to_instance', { instance_id, message: 'second turn, on node B' });
    expect(second['state']).toBe('idle');
    // The model saw the first turn when B ran the second.
    const last = sim.requests.filter((r) => JSON.stringify(r.body.messages).includes('second turn, on node B')).at(-1);
    expect(JSON.stringify(last?.body.messages)).toContain('first turn, on node A');
    const output = await tool(b, 'get_instance_output', { instance_id });
    expect(output['messages'].map((m: S) => m['role'])).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(output['messages'].filter((m: S) => m['role'] === 'user').map((m: S) => m['content'])).toEqual(['first turn, on node A', 'second turn, on node B']);

    agent = (await tool(a, 'spawn_claude', { name: 'agent-on-a', backend: 'claude-code' }))['instance_id'];
    const onB = (await tool(b, 'spawn_claude', { name: 'agent-on-b', backend: 'claude-code' }))['instance_id'];
    const listA = (await tool(a, 'list_instances', {}))['instances'] as S[];
    const listB = (await tool(b, 'list_instances', {}))['instances'] as S[];
    const byId = (list: S[]) => Object.fromEntries(list.map((i) => [i['instance_id'], i['node']]));
    expect(byId(listA)).toEqual(byId(listB));
    nodeA = byId(listA)[agent];
    expect(byId(listA)).toMatchObject({ [instance_id]: null });
    expect(typeof nodeA).toBe('string');
    expect(byId(listA)[onB]).toEqual(expect.any(String));
    expect(byId(listA)[onB]).not.toBe(nodeA);
    expect(listB.find((i) => i['instance_id'] === agent)).toMatchObject({ node_available: true });
    await tool(b, 'terminate_instance', { instance_id: onB });
  }, 120_000);

  it("a claude-code instance on A, driven through B, writes its file in A's workspace; task handles and cancellation work across nodes", async () => {
    const result = await tool(b, 'send_to_instance', { instance_id: agent, message: 'WRITE hello.txt hi' });
    expect(result).toMatchObject({ instance_id: agent, state: 'idle' });
    expect(result['changed_files']).toContain('hello.txt');
    expect(readFileSync(join(a.dir, agent, 'hello.txt'), 'utf8')).toBe('hi\n');
    expect(existsSync(join(b.dir, agent))).toBe(false);

    // A task handle on B wraps the wait for A.
    const handle = await tool(b, 'send_to_instance', { instance_id: agent, message: 'WRITE second.txt two', wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    await expect.poll(async () => (await tool(b, 'get_task', { task_id: handle['task_id'] }))['state'], POLL).toBe('completed');
    const done = await tool(b, 'get_task', { task_id: handle['task_id'] });
    expect(done['result']['changed_files']).toContain('second.txt');
    expect(existsSync(join(a.dir, agent, 'second.txt'))).toBe(true);

    // Too slow for its timeout: the same error as a local send, and the instance is usable again.
    const late = await call(b, 'send_to_instance', { instance_id: agent, message: `${HOLD} too slow`, timeout_seconds: 2 });
    expect(late.status).toBe(504);
    expect(late.body['error']).toMatchObject({ code: 'timeout' });
    expect(late.body['error']['message']).toMatch(new RegExp(`No reply from instance ${agent} within 2 s`));
    await expect.poll(async () => (await tool(b, 'get_instance_status', { instance_id: agent }))['state'], POLL).toBe('idle');

    // Cancelled on B while it runs on A: A aborts the turn, and the instance takes the next send.
    const held = await tool(b, 'send_to_instance', { instance_id: agent, message: `${HOLD} then stop`, wait_seconds: 0 });
    await expect.poll(async () => (await tool(b, 'get_task', { task_id: held['task_id'] }))['progress']['message'], POLL).toBe(`running on node ${nodeA}`);
    await expect.poll(() => sim.requests.some((r) => JSON.stringify(r.body.messages).includes(`${HOLD} then stop`)), POLL).toBe(true);
    expect((await tool(b, 'cancel_task', { task_id: held['task_id'] }))['state']).toBe('cancelled');
    await expect.poll(async () => (await tool(b, 'get_instance_status', { instance_id: agent }))['state'], POLL).toBe('idle');
    const after = await tool(b, 'send_to_instance', { instance_id: agent, message: 'still there?' });
    expect(after['reply']).toContain('still there?');
  }, 180_000);

  let api = '';
  let failoverMs = 0;

  it("kill -9 of A mid-turn: B reports the turn interrupted, A's api instance continues on B, holds released, no task left working", async () => {
    api = (await tool(a, 'spawn_claude', { name: 'api-on-a' }))['instance_id'];
    await tool(a, 'send_to_instance', { instance_id: api, message: 'before the crash' });
    const apiTurn = await tool(a, 'send_to_instance', { instance_id: api, message: `${HOLD} api`, wait_seconds: 0 });
    expect(apiTurn['state']).toBe('working');
    const agentTurn = await tool(b, 'send_to_instance', { instance_id: agent, message: `${HOLD} agent`, wait_seconds: 0 });
    await expect.poll(async () => (await tool(b, 'get_task', { task_id: agentTurn['task_id'] }))['progress']['message'], POLL).toBe(`running on node ${nodeA}`);
    await expect.poll(() => sim.requests.filter((r) => /HOLD-THIS-TURN-7f3a (api|agent)/.test(JSON.stringify(r.body.messages))).length, POLL).toBeGreaterThanOrEqual(2);
    expect((await tool(b, 'get_instance_status', { instance_id: api }))['state']).toBe('busy');

    const killedAt = Date.now();
    a.bin.child.kill('SIGKILL');
    await a.bin.exited;
    const answer = await tool(b, 'send_to_instance', { instance_id: api, message: 'after the crash', timeout_seconds: 120, wait_seconds: 120 });
    failoverMs = Date.now() - killedAt;
    expect(answer['reply']).toContain('after the crash');

    const messages = (await tool(b, 'get_instance_output', { instance_id: api }))['messages'] as S[];
    expect(messages.map((m) => [m['role'], m['content'], m['failed'] ?? false])).toEqual([
      ['user', 'before the crash', false],
      ['assistant', expect.any(String), false],
      ['user', `${HOLD} api`, true],
      ['user', 'after the crash', false],
      ['assistant', expect.any(String), false],
    ]);
    expect(messages[2]?.['error']).toMatch(/Interrupted: the server running this turn stopped/);

    // The hand-off waiting on A ends at once, interrupted; the instance is unavailable, naming A.
    await expect.poll(async () => (await tool(b, 'get_task', { task_id: agentTurn['task_id'] }))['state'], POLL).toBe('failed');
    expect((await tool(b, 'get_task', { task_id: agentTurn['task_id'] }))['error']).toMatchObject({ code: 'interrupted' });
    const refused = await call(b, 'send_to_instance', { instance_id: agent, message: 'anyone there?' });
    expect(refused.status).toBe(503);
    expect(refused.body['error']).toMatchObject({ code: 'unavailable' });
    expect(refused.body['error']['message']).toContain(nodeA);
    expect(await tool(b, 'get_instance_status', { instance_id: agent })).toMatchObject({ node: nodeA, node_available: false, state: 'idle' });

    await expect.poll(async () => (await tool(b, 'list_instances', {}))['totals']['in_flight_cost_usd'], POLL).toBe(0);
    await expect.poll(async () => (await get(b, '/tasks?state=working'))['tasks'], POLL).toEqual([]);
    await expect.poll(async () => (await get(b, `/tasks/${apiTurn['task_id']}`))['state'], POLL).toBe('interrupted');
    console.info(`failover: kill -9 of node A to its api instance answering through B: ${failoverMs} ms`);
  }, 180_000);

  it('a node restarted on the same WORKSPACE_DIR takes its claude-code instances back, and they answer again', async () => {
    const again = await startNode(db, a.dir);
    await expect.poll(async () => (await tool(b, 'get_instance_status', { instance_id: agent }))['node_available'], POLL).toBe(true);
    const status = await tool(again, 'get_instance_status', { instance_id: agent });
    expect(status['node']).not.toBe(nodeA);
    const through = await tool(b, 'send_to_instance', { instance_id: agent, message: 'WRITE back.txt again' });
    expect(through['changed_files']).toContain('back.txt');
    expect(readFileSync(join(a.dir, agent, 'back.txt'), 'utf8')).toBe('again\n');
    const direct = await tool(again, 'send_to_instance', { instance_id: agent, message: 'and directly' });
    expect(direct['reply']).toContain('and directly');
    // A coordination run through B sends its claude-code participant's turn to the node hosting it too.
    const run = await tool(b, 'coordinate_instances', { participant_ids: [agent], task_description: 'WRITE coord.txt together', coordination_type: 'parallel', wait_seconds: 120 });
    expect(JSON.stringify(run)).toContain('coord.txt');
    expect(readFileSync(join(a.dir, agent, 'coord.txt'), 'utf8')).toBe('together\n');
    // The dead node's job queue is gone; the live nodes' are there.
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      const queues = (await client.query<{ name: string }>('SELECT name FROM pgboss.queue')).rows.map((r) => r.name);
      expect(queues, again.bin.stderr()).not.toContain(queueNameOf(nodeA));
      expect(queues).toContain(queueNameOf(status['node']));
    } finally {
      await client.end();
    }
  }, 180_000);
});

describe('limits across three nodes', () => {
  it('the instance cap and the cost budget hold with spawns and sends racing on every node', async () => {
    const db = await cluster.createDatabase();
    const limits = { MAX_INSTANCES: '5', MAX_TOTAL_COST: '0.004', MAX_OUTPUT_TOKENS: '200' };
    const nodes = await Promise.all([startNode(db, undefined, limits), startNode(db, undefined, limits), startNode(db, undefined, limits)]);
    const spawns = await Promise.all(Array.from({ length: 12 }, (_, i) => call(nodes[i % 3] as Node, 'spawn_claude', { name: `w${i}` })));
    const spawned = spawns.filter((s) => s.status === 200).map((s) => s.body['instance_id'] as string);
    expect(spawned).toHaveLength(5);
    for (const s of spawns) if (s.status !== 200) expect(s.body['error'], JSON.stringify(s.body)).toMatchObject({ code: 'limit_exceeded' });

    // Each turn costs about $0.0007 on the simulator: the budget fits only some of the 15 sends.
    const sends = await Promise.all(
      [...spawned, ...spawned, ...spawned].map((instance_id, i) => call(nodes[i % 3] as Node, 'send_to_instance', { instance_id, message: 'Summarise the plan in one line.' })),
    );
    const refused = sends.filter((s) => s.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    expect(sends.length - refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(['limit_exceeded', 'invalid_state']).toContain(r.body['error']['code']);
    for (const node of nodes) {
      const totals = (await tool(node, 'list_instances', { include_terminated: true }))['totals'];
      expect(totals['cost_usd']).toBeLessThanOrEqual(0.004);
      expect(totals['in_flight_cost_usd']).toBe(0);
    }
  }, 180_000);
});
