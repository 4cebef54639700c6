import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../domain/instance.js';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage.js';
import { deferred } from '../test-support/fake-port.js';
import { usePostgres } from '../test-support/postgres.js';
import { record } from '../test-support/records.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store, StoreTotals, Tx } from './store.js';

/**
 * The contract every Store implementation keeps, written against the interface alone. Each implementation
 * runs all of it; PostgreSQL on a throwaway cluster (one per file), with a fresh database for each test.
 */
const postgres = usePostgres({ onlyInSuite: 'PostgresStore' });
const stores: Array<[string, () => Store]> = [
  ['SqliteStore (file)', () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'store-')), 'orchestrator.db'))],
  ['MemoryStore (SQLite in memory)', () => new MemoryStore()],
  ['PostgresStore', () => postgres.store()],
];

const usage = (input: number, output: number): Usage => ({ ...ZERO_USAGE, inputTokens: input, outputTokens: output });

/** Everything stored, page by page, to recompute what the counters must say. */
async function everyInstance(store: Store): Promise<InstanceRecord[]> {
  const all: InstanceRecord[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await store.listInstances({ includeTerminated: true, limit: 100, offset });
    all.push(...page.items);
    if (page.items.length < 100) return all;
  }
}

async function recomputed(store: Store): Promise<Omit<StoreTotals, 'heldTokens' | 'heldNanos'>> {
  const all = await everyInstance(store);
  const live = ['spawning', 'idle', 'busy', 'terminating'];
  return {
    instances: all.length,
    live: all.filter((r) => live.includes(r.state)).length,
    usage: all.reduce((u, r) => addUsage(u, r.usage), ZERO_USAGE),
    costNanos: all.reduce((n, r) => n + (r.costNanos ?? 0), 0),
    cacheSavingsNanos: all.reduce((n, r) => n + (r.cacheSavingsNanos ?? 0), 0),
    unpriced: all.filter((r) => r.costNanos === null).length,
  };
}

describe.each(stores)('%s', (_name, make) => {
  it('stores, patches and pages instances, newest first, live only unless asked, with totals from its counters', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('a', { createdAt: '2026-11-25T12:00:01.000Z' }));
      await tx.insertInstance(record('b', { createdAt: '2026-11-25T12:00:02.000Z', parentId: 'a', depth: 1 }));
      await tx.insertInstance(record('c', { createdAt: '2026-11-25T12:00:03.000Z', state: 'terminated', stateReason: 'requested' }));
      await tx.insertInstance(record('d', { createdAt: '2026-11-25T12:00:04.000Z', parentId: 'a', depth: 1, state: 'failed', stateReason: 'error' }));
    });
    const patched = await store.transaction((tx) => tx.updateInstance('a', { turns: 2, lastError: 'x', allowDelegation: true }));
    expect(patched).toMatchObject({ turns: 2, lastError: 'x', allowDelegation: true });
    expect(await store.getInstance('a')).toEqual(patched);
    expect(await store.getInstance('nope')).toBeUndefined();
    const live = await store.listInstances({ includeTerminated: false, limit: 10, offset: 0 });
    expect(live.items.map((r) => r.id)).toEqual(['b', 'a']);
    expect(live.total).toBe(2);
    const all = await store.listInstances({ includeTerminated: true, limit: 1, offset: 1 });
    expect(all).toMatchObject({ total: 4 });
    expect(all.items.map((r) => r.id)).toEqual(['c']);
    expect((await store.childrenOf('a')).map((r) => r.id)).toEqual(['b', 'd']);
    expect((await store.childrenOf('a', { liveOnly: true })).map((r) => r.id)).toEqual(['b']);
    expect(await store.countLiveChildren('a')).toBe(1);
    expect(Object.fromEntries(await store.childIds(['a', 'b', 'zz']))).toEqual({ a: ['b', 'd'], b: [], zz: [] });
    expect((await store.chainOf('b')).map((r) => r.id)).toEqual(['b', 'a']);
    expect(await store.chainOf('nope')).toEqual([]);
    expect((await store.instancesInStates(['failed', 'idle'], 10)).map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(await store.totals()).toMatchObject({ instances: 4, live: 2 });
    await store.close();
  });

  it('raises an instance\'s limits by a patch, keeping its spend (a budget raised when the user was asked)', async () => {
    const store = make();
    await store.transaction((tx) => tx.insertInstance(record('a', { limits: { maxTotalTokens: 1_000, maxCostNanos: null, timeoutMinutes: 30 } })));
    await store.transaction((tx) => tx.charge({ instanceId: 'a', chain: ['a'], usage: usage(600, 300), costNanos: 5, cacheSavingsNanos: 0 }));
    await store.transaction(async (tx) => {
      const current = (await tx.getInstance('a')) as InstanceRecord;
      await tx.patchInstance(current, { limits: { ...current.limits, maxTotalTokens: 1_500, maxCostNanos: 2_000_000 } });
    });
    expect(await store.getInstance('a')).toMatchObject({ limits: { maxTotalTokens: 1_500, maxCostNanos: 2_000_000, timeoutMinutes: 30 }, subtree: { tokens: 900, costNanos: 5 }, costNanos: 5 });
    await store.close();
  });

  it('finds idle instances whose lifetime ended, by the index, soonest first', async () => {
    const store = make();
    const at = (id: string, createdAt: string, minutes: number, state: InstanceRecord['state'] = 'idle') =>
      record(id, { createdAt, state, limits: { maxTotalTokens: 1000, maxCostNanos: null, timeoutMinutes: minutes } });
    await store.transaction(async (tx) => {
      await tx.insertInstance(at('late', '2026-11-25T12:00:00.000Z', 30));
      await tx.insertInstance(at('early', '2026-11-25T12:00:00.000Z', 10));
      await tx.insertInstance(at('busy', '2026-11-25T12:00:00.000Z', 1, 'busy'));
      await tx.insertInstance(at('fresh', '2026-11-25T12:00:00.000Z', 120));
    });
    const now = Date.parse('2026-11-25T13:00:00.000Z');
    expect((await store.expiredIdle(now, 10)).map((r) => r.id)).toEqual(['early', 'late']);
    expect((await store.expiredIdle(now, 1)).map((r) => r.id)).toEqual(['early']);
    await store.close();
  });

  it('appends messages with sequence numbers, keeps every field, and gives the model only the ones that did not fail', async () => {
    const store = make();
    await store.transaction((tx) => tx.insertInstance(record('a')));
    const [user, reply] = await store.transaction(async (tx) => [
      await tx.appendMessage('a', { role: 'user', content: 'hi', at: '2026-11-25T12:00:00.000Z' }),
      await tx.appendMessage('a', {
        role: 'assistant',
        content: 'hello',
        at: '2026-11-25T12:00:01.000Z',
        usage: { ...ZERO_USAGE, inputTokens: 3, outputTokens: 2 },
        costNanos: null,
        durationMs: 7,
        stopReason: 'end_turn',
        model: 'm',
        toolCalls: [{ name: 'spawn_child', input: { name: 'x' }, isError: false, result: '{}' }],
        retries: 2,
      }),
    ]);
    expect([user?.seq, reply?.seq]).toEqual([1, 2]);
    await store.transaction(async (tx) => {
      await tx.appendMessage('a', { role: 'user', content: 'again', at: '2026-11-25T12:00:02.000Z' });
      await tx.updateMessage('a', 3, { failed: true, error: 'boom' });
    });
    const page = await store.listMessages('a', { limit: 10, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.items[1]).toEqual({ ...reply });
    expect(page.items[2]).toEqual({ seq: 3, role: 'user', content: 'again', at: '2026-11-25T12:00:02.000Z', failed: true, error: 'boom' });
    expect(await store.listMessages('a', { limit: 1, offset: 1 })).toEqual({ items: [reply], total: 3 });
    expect(await store.conversation('a')).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    expect((await store.lastMessage('a'))?.seq).toBe(3);
    expect(await store.lastMessage('nobody')).toBeUndefined();
    await store.close();
  });

  it("keeps a turn's evidence and verification with its message, and a Bash call's outcome with its tool call; a user message has none", async () => {
    const store = make();
    await store.transaction((tx) => tx.insertInstance(record('a')));
    const evidence = {
      tool_calls: { Write: 1, Bash: 2 },
      files: [{ path: 'app.js', bytes: 12, sha256: 'ab'.repeat(32), added: 3, removed: 0 }, { path: 'old.js', bytes: null, sha256: null, deleted: true as const }],
      commands: [{ command: 'npm test', exit_code: 0 }, { command: 'npm run dev', exit_code: null, background: true as const }],
      model_calls: 3,
      tokens: 12_345,
    };
    const verification = { status: 'verified' as const, reason: '2 files changed, 1 command exited 0' };
    const toolCalls = [{ name: 'Bash', input: { command: 'npm test' }, isError: false, result: 'ok', shell: { exitCode: 0, background: false } }];
    const [user, reply, plain] = await store.transaction(async (tx) => [
      await tx.appendMessage('a', { role: 'user', content: 'build it', at: '2026-11-25T12:00:00.000Z' }),
      await tx.appendMessage('a', { role: 'assistant', content: 'Built.', at: '2026-11-25T12:00:01.000Z', toolCalls, evidence, verification }),
      await tx.appendMessage('a', { role: 'assistant', content: 'Text only.', at: '2026-11-25T12:00:02.000Z', evidence: { ...evidence, tool_calls: {}, files: [], commands: [] } }),
    ]);
    const page = await store.listMessages('a', { limit: 10, offset: 0 });
    expect(page.items).toEqual([user, reply, plain]);
    expect(page.items[0]).not.toHaveProperty('evidence');
    expect(page.items[0]).not.toHaveProperty('verification');
    expect(page.items[1]).toMatchObject({ evidence, verification, toolCalls });
    expect(page.items[2]).not.toHaveProperty('verification');
    await store.transaction((tx) => tx.updateMessage('a', 2, { content: 'Built!' }));
    expect(await store.listMessages('a', { limit: 1, offset: 1 })).toEqual({ items: [{ ...reply, content: 'Built!' }], total: 3 });
    await store.close();
  });

  it('records events, and deletes (in batches) instances that ended before a date, never a parent of a kept one', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('old', { state: 'terminated', stateChangedAt: '2026-01-01T00:00:00.000Z', usage: usage(10, 5), costNanos: 7 }));
      await tx.insertInstance(record('old2', { state: 'failed', stateChangedAt: '2026-01-02T00:00:00.000Z' }));
      await tx.insertInstance(record('parent', { state: 'terminated', stateChangedAt: '2026-01-01T00:00:00.000Z' }));
      await tx.insertInstance(record('kid', { parentId: 'parent', state: 'idle' }));
      await tx.appendEvent({ instanceId: 'old', at: '2026-01-01T00:00:00.000Z', from: 'idle', to: 'terminating', reason: 'requested' });
    });
    expect(await store.listEvents('old')).toEqual([{ instanceId: 'old', at: '2026-01-01T00:00:00.000Z', from: 'idle', to: 'terminating', reason: 'requested' }]);
    expect(await store.transaction((tx) => tx.deleteEndedBefore('2026-06-01T00:00:00.000Z', 1))).toBe(1);
    expect(await store.transaction((tx) => tx.deleteEndedBefore('2026-06-01T00:00:00.000Z', 10))).toBe(1);
    expect(await store.getInstance('old')).toBeUndefined();
    expect(await store.getInstance('old2')).toBeUndefined();
    expect(await store.getInstance('parent')).toBeDefined();
    expect(await store.listEvents('old')).toEqual([]);
    // The counters follow the deletions.
    expect(await store.totals()).toMatchObject(await recomputed(store));
    await store.close();
  });

  it('gives a turn lease to one owner at a time until it is released or expires', async () => {
    const store = make();
    const tx = <T,>(fn: (t: Tx) => Promise<T>) => store.transaction(fn);
    await tx((t) => t.insertInstance(record('a')));
    expect(await tx((t) => t.acquireLease('a', 'one', 1000, 100))).toBe(true);
    expect(await tx((t) => t.acquireLease('a', 'two', 1050, 100))).toBe(false);
    expect(await tx((t) => t.renewLease('a', 'one', 1090, 100))).toBe(true);
    expect(await tx((t) => t.acquireLease('a', 'two', 1150, 100))).toBe(false);
    expect(await tx((t) => t.acquireLease('a', 'two', 1190, 100))).toBe(true);
    expect(await tx((t) => t.renewLease('a', 'one', 1200, 100))).toBe(false);
    expect(await store.leaseOf('a')).toEqual({ owner: 'two', expiresAt: 1290 });
    // The leases an owner holds are found by owner, whatever their instance's state (recovery takes back a gone server's).
    await tx((t) => t.insertInstance(record('b', { state: 'terminated', stateReason: 'requested' })));
    await tx((t) => t.insertInstance(record('c')));
    expect(await tx((t) => t.acquireLease('b', 'two', 1190, 100))).toBe(true);
    expect(await tx((t) => t.acquireLease('c', 'three', 1190, 100))).toBe(true);
    expect([...(await store.leaseOwners(10))].sort()).toEqual(['three', 'two']);
    expect([...(await store.leasedBy('two', 10))].sort()).toEqual(['a', 'b']);
    expect(await store.leasedBy('two', 1)).toHaveLength(1);
    await tx((t) => t.releaseLease('b', 'two'));
    await tx((t) => t.releaseLease('c', 'three'));
    expect(await store.leaseOwners(10)).toEqual(['two']);
    await tx((t) => t.releaseLease('a', 'one'));
    expect((await store.leaseOf('a'))?.owner).toBe('two');
    await tx((t) => t.releaseLease('a', 'two'));
    expect(await store.leaseOf('a')).toBeNull();
    expect(await store.leaseOwners(10)).toEqual([]);
    expect(await store.leasedBy('two', 10)).toEqual([]);
    await store.close();
  });

  it('counts holds against every instance of their chain and the totals, and takes them back exactly once', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('root'));
      await tx.insertInstance(record('mid', { parentId: 'root', depth: 1 }));
      await tx.insertInstance(record('leaf', { parentId: 'mid', depth: 2 }));
      await tx.addHold({ id: 'h1', instanceId: 'leaf', chain: ['leaf', 'mid', 'root'], owner: 'o1', tokens: 100, nanos: 1_000, createdAt: 1 });
      await tx.addHold({ id: 'h2', instanceId: 'mid', chain: ['mid', 'root'], owner: 'o2', tokens: 10, nanos: 20, createdAt: 2 });
    });
    const held = async (id: string) => (await store.getInstance(id))?.held;
    expect(await held('leaf')).toEqual({ tokens: 100, nanos: 1_000 });
    expect(await held('mid')).toEqual({ tokens: 110, nanos: 1_020 });
    expect(await held('root')).toEqual({ tokens: 110, nanos: 1_020 });
    expect(await store.totals()).toMatchObject({ heldTokens: 110, heldNanos: 1_020 });
    expect((await store.holdOwners()).slice().sort()).toEqual(['o1', 'o2']);
    expect((await store.holdsOf('o1', 10)).map((h) => h.id)).toEqual(['h1']);
    expect(await store.getHold('h1')).toEqual({ id: 'h1', instanceId: 'leaf', chain: ['leaf', 'mid', 'root'], owner: 'o1', tokens: 100, nanos: 1_000, createdAt: 1 });
    expect((await store.transaction((tx) => tx.removeHold('h1')))?.id).toBe('h1');
    expect(await store.transaction((tx) => tx.removeHold('h1'))).toBeUndefined();
    expect(await held('root')).toEqual({ tokens: 10, nanos: 20 });
    expect(await held('leaf')).toEqual({ tokens: 0, nanos: 0 });
    expect(await store.totals()).toMatchObject({ heldTokens: 10, heldNanos: 20 });
    await store.close();
  });

  it('charges a call to its instance and to the subtree spend of its chain; an unpriced call makes the cost unknown, never 0', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('root'));
      await tx.insertInstance(record('kid', { parentId: 'root', depth: 1 }));
      await tx.charge({ instanceId: 'kid', chain: ['kid', 'root'], usage: usage(30, 20), costNanos: 500, cacheSavingsNanos: -3 });
      await tx.charge({ instanceId: 'root', chain: ['root'], usage: usage(5, 5), costNanos: 100, cacheSavingsNanos: 0 });
    });
    const kid = await store.getInstance('kid');
    const root = await store.getInstance('root');
    expect(kid).toMatchObject({ usage: usage(30, 20), costNanos: 500, cacheSavingsNanos: -3, subtree: { tokens: 50, costNanos: 500 } });
    expect(root).toMatchObject({ usage: usage(5, 5), costNanos: 100, subtree: { tokens: 60, costNanos: 600 } });
    expect(await store.totals()).toMatchObject({ usage: usage(35, 25), costNanos: 600, cacheSavingsNanos: -3, unpriced: 0 });
    await store.transaction((tx) => tx.charge({ instanceId: 'kid', chain: ['kid', 'root'], usage: usage(1, 1), costNanos: null, cacheSavingsNanos: null }));
    expect(await store.getInstance('kid')).toMatchObject({ costNanos: null, cacheSavingsNanos: null, subtree: { tokens: 52, costNanos: 500 } });
    expect(await store.totals()).toMatchObject({ costNanos: 100, unpriced: 1 });
    await store.close();
  });

  it('keeps its counters equal to what its rows say, through every kind of change', async () => {
    const store = make();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const ids: string[] = [];
    for (let step = 0; step < 300; step++) {
      const pick = ids[random(Math.max(1, ids.length))];
      await store.transaction(async (tx) => {
        const action = random(5);
        if (action === 0 || !pick) {
          const id = `i${step}`;
          ids.push(id);
          await tx.insertInstance(record(id, { state: random(3) === 0 ? 'terminated' : 'idle', stateChangedAt: '2026-01-01T00:00:00.000Z', costNanos: random(4) === 0 ? null : 0 }));
        } else if (action === 1) {
          await tx.charge({ instanceId: pick, chain: [pick], usage: usage(random(50), random(50)), costNanos: random(6) === 0 ? null : random(1000), cacheSavingsNanos: random(10) });
        } else if (action === 2) {
          const current = await tx.getInstance(pick);
          if (current) await tx.updateInstance(pick, { state: current.state === 'idle' ? 'terminated' : 'idle' });
        } else if (action === 3) {
          await tx.deleteEndedBefore('2026-06-01T00:00:00.000Z', 1 + random(3));
        } else {
          await tx.updateInstance(pick, { turns: random(10), lastError: `e${step}` }).catch(() => undefined);
        }
      });
    }
    expect(await store.totals()).toMatchObject(await recomputed(store));
    await store.close();
  });

  it('runs a transaction atomically: a throw rolls every write back and its commit callbacks never run', async () => {
    const store = make();
    const committed: string[] = [];
    await expect(
      store.transaction(async (tx) => {
        await tx.insertInstance(record('gone'));
        tx.onCommit(() => committed.push('gone'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await store.getInstance('gone')).toBeUndefined();
    expect(await store.totals()).toMatchObject({ instances: 0, live: 0 });
    expect(
      await store.transaction(async (tx) => {
        await tx.insertInstance(record('kept'));
        tx.onCommit(() => committed.push('kept'));
        return 42;
      }),
    ).toBe(42);
    expect(committed).toEqual(['kept']);
    await store.close();
  });

  it('never shows a read what an open transaction has not committed, and refuses a transaction object used after its end', async () => {
    const store = make();
    const inserted = deferred();
    const inside = deferred();
    let escaped: Tx | undefined;
    const open = store.transaction(async (tx) => {
      escaped = tx;
      await tx.insertInstance(record('pending'));
      inserted.resolve();
      await inside.promise;
    });
    await inserted.promise;
    let committing = false;
    const read = store.getInstance('pending').then((found) => ({ found, answeredBeforeCommit: !committing }));
    await new Promise((r) => setTimeout(r, 10));
    committing = true;
    inside.resolve();
    await open;
    // A read answered while the transaction is open sees nothing of it. One answered later sees the whole row,
    // or nothing if it ran before the commit (SQLite's reads wait for this process's open transaction; a
    // PostgreSQL read runs at once on another connection): never a half-written state.
    const { found, answeredBeforeCommit } = await read;
    if (answeredBeforeCommit) expect(found).toBeUndefined();
    expect([undefined, 'pending']).toContain(found?.id);
    expect((await store.getInstance('pending'))?.id).toBe('pending');
    await expect(escaped?.getInstance('pending')).rejects.toThrow(/after it ended/);
    await store.close();
  });

  it('keeps tasks and owners, and deletes finished tasks past a date', async () => {
    const store = make();
    const task = { id: 't1', kind: 'send', state: 'working', label: 'l', owner: 'o', request: { tool: 'x', arguments: {} }, progress: { message: 'm' }, result: undefined, error: undefined, createdAt: 'c', finishedAt: null };
    await store.transaction(async (tx) => {
      await tx.saveTask(task);
      await tx.saveTask({ ...task, state: 'completed', result: { ok: 1 }, finishedAt: '2026-01-01T00:00:00.000Z' });
      await tx.saveTask({ ...task, id: 't2' });
    });
    expect(await store.getTask('t1')).toEqual({ ...task, state: 'completed', result: { ok: 1 }, finishedAt: '2026-01-01T00:00:00.000Z' });
    expect((await store.listTasks('completed', 10)).map((t) => t.id)).toEqual(['t1']);
    expect((await store.listTasks('working', 10)).map((t) => t.id)).toEqual(['t2']);
    expect(await store.transaction((tx) => tx.deleteTasksFinishedBefore('2026-06-01T00:00:00.000Z', 10))).toBe(1);
    expect(await store.getTask('t1')).toBeUndefined();
    expect(await store.getTask('t2')).toBeDefined();
    const owner = { id: 'o', host: 'h', pid: 1, processStart: '5', startedAt: 's', address: null, heartbeatAt: '2026-11-25T12:00:00.000Z' };
    await store.transaction((tx) => tx.registerOwner(owner));
    expect(await store.getOwner('o')).toEqual(owner);
    expect(await store.getOwner('x')).toBeUndefined();
    await store.close();
  });

  it('keeps nodes: registered again with an address, heartbeats, listed freshest first up to a limit', async () => {
    const store = make();
    const node = (id: string, heartbeatAt: string) => ({ id, host: `host-${id}`, pid: 7, processStart: '9', startedAt: '2026-11-25T12:00:00.000Z', address: null, heartbeatAt });
    await store.transaction(async (tx) => {
      await tx.registerOwner(node('a', '2026-11-25T12:00:00.000Z'));
      await tx.registerOwner(node('b', '2026-11-25T12:00:01.000Z'));
      await tx.registerOwner(node('c', '2026-11-25T12:00:02.000Z'));
    });
    // Once it listens, a node registers again, now with its address: the same owner, replaced.
    await store.transaction((tx) => tx.registerOwner({ ...node('a', '2026-11-25T12:00:00.000Z'), address: 'http://10.0.0.1:3000' }));
    await store.transaction(async (tx) => {
      await tx.heartbeat('a', '2026-11-25T12:00:05.000Z');
      await tx.heartbeat('unknown', '2026-11-25T12:00:05.000Z');
    });
    expect(await store.getOwner('a')).toMatchObject({ address: 'http://10.0.0.1:3000', heartbeatAt: '2026-11-25T12:00:05.000Z' });
    expect(await store.getOwner('unknown')).toBeUndefined();
    expect((await store.listOwners(10)).map((o) => o.id)).toEqual(['a', 'c', 'b']);
    expect((await store.listOwners(2)).map((o) => o.id)).toEqual(['a', 'c']);
    await store.close();
  });

  it('records which node hosts an instance, and lists a node\'s live instances', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('cc1', { backend: 'claude-code', node: 'node-a' }));
      await tx.insertInstance(record('cc2', { backend: 'claude-code', node: 'node-a', state: 'terminated', stateReason: 'requested' }));
      await tx.insertInstance(record('cc3', { backend: 'claude-code', node: 'node-b' }));
      await tx.insertInstance(record('api', { node: null }));
    });
    expect((await store.getInstance('cc1'))?.node).toBe('node-a');
    expect((await store.getInstance('api'))?.node).toBeNull();
    expect((await store.instancesOnNode('node-a', 10)).map((r) => r.id)).toEqual(['cc1']);
    // A node taking over another's instance: a plain update moves it.
    await store.transaction((tx) => tx.updateInstance('cc3', { node: 'node-a' }));
    expect((await store.instancesOnNode('node-a', 10)).map((r) => r.id).sort()).toEqual(['cc1', 'cc3']);
    expect(await store.instancesOnNode('node-a', 1)).toHaveLength(1);
    expect(await store.instancesOnNode('node-b', 10)).toEqual([]);
    await store.close();
  });
});
