import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { record } from '../../test-support/records.js';
import { tableScans } from '../../test-support/seeded-store.js';
import type { Tx } from '../store.js';
import { SCHEMA_VERSION } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'sqlite-')), 'nested', 'orchestrator.db');

/** A database built from a frozen fixture of an older schema. */
function fixture(version: number): string {
  const raw = new Database(join(mkdtempSync(join(tmpdir(), 'fx-')), 'fixture.db'));
  raw.exec(readFileSync(new URL(`./fixtures/v${version}.sql`, import.meta.url), 'utf8'));
  expect(raw.pragma('user_version', { simple: true })).toBe(version);
  raw.close();
  return raw.name;
}

/** Every frozen fixture of an older schema, by version. Add one with each new migration. */
const FIXTURES = [1, 2, 3, 4, 5, 6, 7, 8];

describe('SqliteStore', () => {
  it('opens a frozen version-1 database and migrates it without losing anything', async () => {
    const store = new SqliteStore(fixture(1));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    const a = await store.getInstance('inst_0123456789abcdef0123456789abcdef');
    expect(a).toMatchObject({ name: 'React Dev', role: 'frontend_developer', depth: 0, allowDelegation: false, turns: 2, costNanos: 465000, consecutiveFailures: 0, backendState: null });
    expect(a?.usage).toEqual({ inputTokens: 230, outputTokens: 50, cacheCreationInputTokens: 0, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 50 });
    expect(a?.subtree).toEqual({ tokens: 330, costNanos: 465000 });
    const messages = await store.listMessages('inst_0123456789abcdef0123456789abcdef', { limit: 10, offset: 0 });
    expect(messages.items.map((m) => `${m.seq}:${m.role}:${m.content}`)).toEqual(['1:user:Build a navbar', '2:assistant:Here is a navbar.', '3:user:Add a dropdown', '4:assistant:Dropdown added.']);
    expect(messages.items[3]?.usage?.cacheReadInputTokens).toBe(50);
    expect((await store.listMessages('inst_fedcba9876543210fedcba9876543210', { limit: 1, offset: 0 })).items[0]).toMatchObject({ failed: true, error: 'API down (529)' });
    expect(await store.getInstance('inst_fedcba9876543210fedcba9876543210')).toMatchObject({ state: 'terminated', stateReason: 'limit:tokens', keepWorkspace: true, limits: { maxCostNanos: 1_000_000_000 } });
    expect(await store.listEvents('inst_0123456789abcdef0123456789abcdef')).toHaveLength(2);
    // The migrated store takes the new features at once.
    await store.transaction(async (tx) => {
      await tx.appendMessage('inst_0123456789abcdef0123456789abcdef', { role: 'user', content: 'more', at: 'now', retries: 1 });
      expect(await tx.acquireLease('inst_0123456789abcdef0123456789abcdef', 'me', 0, 10)).toBe(true);
    });
    await store.close();
  });

  it('opens a frozen version-2 database: subtree spend, lifetimes, live flags and totals are derived; old reservations are dropped', async () => {
    const store = new SqliteStore(fixture(2));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    const parent = 'inst_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const child = 'inst_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const agent = 'inst_cccccccccccccccccccccccccccccccc';
    // The parent's budget counts its child's spend: 2000 + 600 tokens, 9 + 3 millidollars.
    expect(await store.getInstance(parent)).toMatchObject({ subtree: { tokens: 2600, costNanos: 12_000_000 }, held: { tokens: 0, nanos: 0 }, allowDelegation: true });
    expect(await store.getInstance(child)).toMatchObject({ subtree: { tokens: 600, costNanos: 3_000_000 }, parentId: parent, depth: 1, limits: { maxCostNanos: null, timeoutMinutes: 30 } });
    expect(await store.getInstance(agent)).toMatchObject({ backend: 'claude-code', costNanos: null, state: 'terminated', backendOptions: JSON.stringify({ permissions: { mode: 'acceptEdits' } }) });
    expect(await store.totals()).toEqual({
      instances: 3,
      live: 2,
      usage: { inputTokens: 2900, outputTokens: 700, cacheCreationInputTokens: 200, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 800 },
      costNanos: 12_000_000,
      cacheSavingsNanos: 1_000_000,
      unpriced: 1,
      heldTokens: 0,
      heldNanos: 0,
    });
    expect(await store.holdOwners()).toEqual([]);
    // The child's lifetime (30 minutes from 10:00:30) ends before the parent's (60 minutes from 10:00).
    expect((await store.expiredIdle(Date.parse('2026-11-26T10:45:00.000Z'), 10)).map((r) => r.id)).toEqual([child]);
    const replies = await store.listMessages(parent, { limit: 10, offset: 0 });
    expect(replies.items[1]).toMatchObject({ retries: 1, toolCalls: [{ name: 'spawn_child', isError: false }] });
    expect(await store.getTask('task_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee')).toMatchObject({ state: 'completed', result: { reply: 'Plan: backend, then frontend.' } });
    expect(await store.getOwner('host-1:4242:123456')).toMatchObject({ pid: 4242 });
    await store.close();
  });

  it('opens a frozen version-3 database: the counters of /metrics are seeded from what is stored, and count on from there', async () => {
    const store = new SqliteStore(fixture(3));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(await store.counters()).toEqual({
      instancesCreated: 5,
      instancesEnded: { requested: 1, 'limit:cost': 1, error: 1 },
      turns: { completed: 5, failed: 1 },
      tokens: { input: 5900, output: 1700, cacheWrite: 200, cacheRead: 800 },
      costNanos: 17_000_000,
      tasks: { completed: 1, working: 1, failed: 1 },
    });
    // Nothing else moved: the totals the kernel kept are the same.
    expect(await store.totals()).toMatchObject({ instances: 5, live: 2, costNanos: 17_000_000, unpriced: 1 });
    const child = 'inst_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('inst_new'));
      await tx.charge({ instanceId: child, chain: [child], usage: { ...record('x').usage, inputTokens: 100, outputTokens: 10 }, costNanos: 1_000, cacheSavingsNanos: 0 });
      await tx.updateInstance(child, { turns: 2 });
      await tx.updateInstance('inst_new', { state: 'terminated', stateReason: 'requested' });
      await tx.saveTask({ ...(await tx.getTask('task_ffffffffffffffffffffffffffffffff'))!, state: 'completed' });
    });
    // Retention deletes ended instances: the monotonic counters stay.
    await store.transaction((tx) => tx.deleteEndedBefore('2030-01-01T00:00:00.000Z', 100));
    expect(await store.counters()).toEqual({
      instancesCreated: 6,
      instancesEnded: { requested: 2, 'limit:cost': 1, error: 1 },
      turns: { completed: 6, failed: 1 },
      tokens: { input: 6000, output: 1710, cacheWrite: 200, cacheRead: 800 },
      costNanos: 17_001_000,
      tasks: { completed: 2, working: 0, failed: 1 },
    });
    await store.close();
  });

  it('opens a frozen version-4 database: its tasks are listed newest first within a state, counted by state', async () => {
    const store = new SqliteStore(fixture(4));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect((await store.listTasks('completed', 2)).map((t) => t.id)).toEqual(['task_iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii', 'task_hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh']);
    expect((await store.listTasks('completed', 10)).map((t) => t.id)).toEqual([
      'task_iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii',
      'task_hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh',
      'task_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    ]);
    expect(await store.countTasks('completed')).toBe(3);
    expect(await store.countTasks('cancelled')).toBe(1);
    expect(await store.countTasks('interrupted')).toBe(0);
    expect((await store.counters()).tasks).toEqual({ completed: 3, working: 1, failed: 1, cancelled: 1 });
    expect(await store.getTask('task_jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj')).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    await store.close();
  });

  it('opens a frozen version-5 database: its owner becomes a node last heard of at its start, its instances name no node', async () => {
    const store = new SqliteStore(fixture(5));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(await store.getOwner('host-1:4242:123456')).toEqual({
      id: 'host-1:4242:123456',
      host: 'host-1',
      pid: 4242,
      processStart: '123456',
      startedAt: '2026-11-26T09:59:00.000Z',
      address: null,
      heartbeatAt: '2026-11-26T09:59:00.000Z',
    });
    expect((await store.listOwners(10)).map((o) => o.id)).toEqual(['host-1:4242:123456']);
    expect(await store.getInstance('inst_cccccccccccccccccccccccccccccccc')).toMatchObject({ backend: 'claude-code', node: null });
    await store.transaction((tx) => tx.heartbeat('host-1:4242:123456', '2026-11-26T10:00:00.000Z'));
    expect(await store.getOwner('host-1:4242:123456')).toMatchObject({ heartbeatAt: '2026-11-26T10:00:00.000Z' });
    await store.close();
  });

  it('opens a frozen version-6 database: its nodes and instances are kept, and permission asks can wait in the new approvals table', async () => {
    const store = new SqliteStore(fixture(6));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(await store.getOwner('host-1:4242:123456')).toMatchObject({ address: 'http://10.0.0.7:8001', heartbeatAt: '2026-11-26T10:05:00.000Z' });
    expect(await store.getInstance('inst_cccccccccccccccccccccccccccccccc')).toMatchObject({ backend: 'claude-code', node: 'host-1:4242:123456' });
    expect(await store.pendingApprovals({ limit: 10 })).toEqual([]);
    const ask = {
      id: 'appr_1', instanceId: 'inst_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', owner: 'host-1:4242:123456', path: [{ id: 'inst_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', name: 'Backend' }],
      tool: 'Bash', input: { command: 'ls' }, reason: 'asks before Bash', state: 'pending' as const, decision: null, settledReason: null,
      createdAt: '2026-11-26T10:06:00.000Z', expiresAt: '2026-11-26T10:11:00.000Z', settledAt: null,
    };
    await store.transaction((tx) => tx.addApproval(ask));
    expect(await store.pendingApprovals({ instanceId: ask.instanceId, limit: 10 })).toEqual([ask]);
    await store.close();
  });

  it('opens a frozen version-7 database: its pending approval and tool calls are kept (Bash exit codes too), old turns have no evidence, new ones keep theirs', async () => {
    const store = new SqliteStore(fixture(7));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(await store.getApproval('appr_0123456789abcdef')).toMatchObject({ state: 'pending', tool: 'Bash', input: { command: 'rm -rf build' } });
    const agent = 'inst_cccccccccccccccccccccccccccccccc';
    const [user, turn] = (await store.listMessages(agent, { limit: 10, offset: 0 })).items;
    expect(user).not.toHaveProperty('evidence');
    expect(turn).not.toHaveProperty('evidence');
    expect(turn?.toolCalls?.[1]).toEqual({ name: 'Bash', input: { command: 'npm test' }, isError: false, result: 'ok', shell: { exitCode: 0, background: false } });
    const evidence = { tool_calls: { Bash: 1 }, files: [], commands: [{ command: 'npm test', exit_code: 0 }], model_calls: 1, tokens: 2000 };
    const verification = { status: 'verified' as const, reason: '1 command exited 0' };
    await store.transaction((tx) => tx.appendMessage(agent, { role: 'assistant', content: 'Again.', at: '2026-11-26T09:20:00.000Z', evidence, verification }));
    expect(await store.lastMessage(agent)).toMatchObject({ seq: 3, evidence, verification });
    await store.close();
  });

  it('opens a frozen version-8 database: the turn leases it holds are found by their owner, on any instance', async () => {
    const store = new SqliteStore(fixture(8));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    const cut = 'inst_gggggggggggggggggggggggggggggggg';
    expect(await store.leaseOwners(10)).toEqual(['host-1:4242:123456']);
    expect(await store.leasedBy('host-1:4242:123456', 10)).toEqual([cut]);
    expect(await store.leasedBy('someone-else', 10)).toEqual([]);
    expect(await store.getInstance(cut)).toMatchObject({ state: 'terminated', turns: 0, costNanos: 1_350_000 });
    expect(await store.lastMessage(cut)).toMatchObject({ role: 'user', content: 'Summarise the design' });
    await store.transaction((tx) => tx.releaseLease(cut, 'host-1:4242:123456'));
    expect(await store.leaseOwners(10)).toEqual([]);
    await store.close();
  });

  it.each(FIXTURES)('migrates version %i in numbered steps to the current schema', async (version) => {
    const store = new SqliteStore(fixture(version));
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    await store.close();
  });

  it('refuses a database from a newer version, saying what to do', async () => {
    const path = dbPath();
    await new SqliteStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/newer claude-orchestrator/);
  });

  it('keeps what was written across reopening, in WAL mode', async () => {
    const path = dbPath();
    const first = new SqliteStore(path);
    await first.transaction(async (tx) => {
      await tx.insertInstance(record('inst_a'));
      await tx.appendMessage('inst_a', { role: 'user', content: 'kept', at: 'now' });
    });
    await first.close();
    const second = new SqliteStore(path, { durable: true });
    expect((await second.conversation('inst_a')).map((m) => m.content)).toEqual(['kept']);
    await second.close();
  });

  it('lets two connections to one file share leases: only one holds a turn', async () => {
    const path = dbPath();
    const one = new SqliteStore(path);
    const two = new SqliteStore(path);
    const on = <T,>(store: SqliteStore, fn: (tx: Tx) => Promise<T>) => store.transaction(fn);
    await on(one, (tx) => tx.insertInstance(record('inst_a')));
    expect(await on(one, (tx) => tx.acquireLease('inst_a', 'server-1', 1000, 30_000))).toBe(true);
    expect(await on(two, (tx) => tx.acquireLease('inst_a', 'server-2', 1001, 30_000))).toBe(false);
    expect((await two.getInstance('inst_a'))?.name).toBe('inst_a');
    await on(one, (tx) => tx.releaseLease('inst_a', 'server-1'));
    expect(await on(two, (tx) => tx.acquireLease('inst_a', 'server-2', 1002, 30_000))).toBe(true);
    await one.close();
    await two.close();
  });

  it('serialises check-then-write transactions of two connections in one process without stalling either', async () => {
    const path = dbPath();
    const one = new SqliteStore(path);
    const two = new SqliteStore(path);
    // Each inserts only if the store holds fewer than 5 instances: at most 5 may exist, however they interleave.
    const tryInsert = (store: SqliteStore, id: string) =>
      store.transaction(async (tx) => {
        const { instances } = await tx.totals();
        await new Promise((r) => setImmediate(r));
        if (instances < 5) await tx.insertInstance(record(id));
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => tryInsert(i % 2 === 0 ? one : two, `inst_${i}`)));
    expect((await one.totals()).instances).toBe(5);
    await one.close();
    await two.close();
  });

  it('runs every statement of a read or write on an index: none scans the instances', async () => {
    const path = dbPath();
    const statements = new Set<string>();
    const store = new SqliteStore(path, { onStatement: (sql) => statements.add(sql) });
    statements.clear(); // the migrations that built the schema are not the store's statements
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('root'));
      await tx.insertInstance(record('kid', { parentId: 'root', depth: 1 }));
      await tx.addHold({ id: 'h', instanceId: 'kid', chain: ['kid', 'root'], owner: 'o', tokens: 1, nanos: 1, createdAt: 1 });
      await tx.charge({ instanceId: 'kid', chain: ['kid', 'root'], usage: record('x').usage, costNanos: 1, cacheSavingsNanos: 0 });
      await tx.removeHold('h');
      await tx.appendMessage('kid', { role: 'user', content: 'x', at: 'now' });
      await tx.updateInstance('kid', { turns: 1 });
      await tx.acquireLease('kid', 'o', 1, 1);
      await tx.deleteEndedBefore('2026-01-01', 10);
      await tx.heartbeat('o', '2026-01-01');
      await tx.addApproval({ id: 'a', instanceId: 'kid', owner: 'o', path: [], tool: 'Bash', input: {}, reason: 'r', state: 'pending', decision: null, settledReason: null, createdAt: '1', expiresAt: '2', settledAt: null });
      await tx.settleApproval('a', { decision: 'deny', reason: 'r', atIso: '3' });
      await tx.deleteApprovalsBefore('0', 10);
    });
    await store.pendingApprovals({ limit: 10 });
    await store.pendingApprovals({ instanceId: 'kid', limit: 10 });
    await store.chainOf('kid');
    await store.childIds(['root']);
    await store.countLiveChildren('root');
    await store.listInstances({ includeTerminated: false, limit: 10, offset: 0 });
    await store.instancesInStates(['busy'], 10);
    await store.expiredIdle(0, 10);
    await store.counters();
    await store.listTasks('completed', 10);
    await store.countTasks('completed');
    await store.conversation('kid');
    await store.lastMessage('kid');
    await store.listMessages('kid', { limit: 10, offset: 0 });
    await store.listOwners(10);
    await store.instancesOnNode('o', 10);
    await store.leaseOwners(10);
    await store.leasedBy('o', 10);
    await store.close();
    expect(statements.size).toBeGreaterThan(20);
    expect(tableScans(path, statements)).toEqual([]);
  });
});
