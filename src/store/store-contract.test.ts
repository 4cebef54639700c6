import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../domain/usage.js';
import { record } from '../test-support/records.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

const stores: Array<[string, () => Store]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'store-')), 'orchestrator.db'))],
];

describe.each(stores)('%s', (_name, make) => {
  it('stores, patches and pages instances, newest first, live only unless asked', () => {
    const store = make();
    store.insertInstance(record('a', { createdAt: '2026-11-25T12:00:01.000Z' }));
    store.insertInstance(record('b', { createdAt: '2026-11-25T12:00:02.000Z', parentId: 'a', depth: 1 }));
    store.insertInstance(record('c', { createdAt: '2026-11-25T12:00:03.000Z', state: 'terminated', stateReason: 'requested' }));
    const patched = store.updateInstance('a', { turns: 2, costNanos: null, usage: { ...ZERO_USAGE, inputTokens: 5 }, lastError: 'x', allowDelegation: true });
    expect(patched).toMatchObject({ turns: 2, costNanos: null, lastError: 'x', allowDelegation: true });
    expect(store.getInstance('a')).toEqual(patched);
    expect(store.getInstance('nope')).toBeUndefined();
    expect(store.listInstances({ includeTerminated: false, limit: 10, offset: 0 }).items.map((r) => r.id)).toEqual(['b', 'a']);
    const all = store.listInstances({ includeTerminated: true, limit: 1, offset: 1 });
    expect(all).toMatchObject({ total: 3 });
    expect(all.items.map((r) => r.id)).toEqual(['b']);
    expect(store.childrenOf('a').map((r) => r.id)).toEqual(['b']);
    expect(store.allInstances()).toHaveLength(3);
    store.close();
  });

  it('appends messages with sequence numbers and keeps every field', () => {
    const store = make();
    store.insertInstance(record('a'));
    const user = store.appendMessage('a', { role: 'user', content: 'hi', at: '2026-11-25T12:00:00.000Z' });
    const reply = store.appendMessage('a', {
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
    });
    expect([user.seq, reply.seq]).toEqual([1, 2]);
    store.updateMessage('a', 1, { failed: true, error: 'boom' });
    const messages = store.allMessages('a');
    expect(messages[0]).toEqual({ seq: 1, role: 'user', content: 'hi', at: '2026-11-25T12:00:00.000Z', failed: true, error: 'boom' });
    expect(messages[1]).toEqual({ ...reply });
    expect(store.listMessages('a', { limit: 1, offset: 1 })).toEqual({ items: [reply], total: 2 });
    store.close();
  });

  it('records events, and deletes instances that ended before a date (not parents of kept ones)', () => {
    const store = make();
    store.insertInstance(record('old', { state: 'terminated', stateChangedAt: '2026-01-01T00:00:00.000Z' }));
    store.insertInstance(record('parent', { state: 'terminated', stateChangedAt: '2026-01-01T00:00:00.000Z' }));
    store.insertInstance(record('kid', { parentId: 'parent', state: 'idle' }));
    store.appendEvent({ instanceId: 'old', at: '2026-01-01T00:00:00.000Z', from: 'idle', to: 'terminating', reason: 'requested' });
    expect(store.listEvents('old')).toEqual([{ instanceId: 'old', at: '2026-01-01T00:00:00.000Z', from: 'idle', to: 'terminating', reason: 'requested' }]);
    expect(store.deleteEndedBefore('2026-06-01T00:00:00.000Z')).toBe(1);
    expect(store.getInstance('old')).toBeUndefined();
    expect(store.getInstance('parent')).toBeDefined();
    store.close();
  });

  it('gives a turn lease to one owner at a time until it is released or expires', () => {
    const store = make();
    store.insertInstance(record('a'));
    expect(store.acquireLease('a', 'one', 1000, 100)).toBe(true);
    expect(store.acquireLease('a', 'two', 1050, 100)).toBe(false);
    expect(store.renewLease('a', 'one', 1090, 100)).toBe(true);
    expect(store.acquireLease('a', 'two', 1150, 100)).toBe(false);
    expect(store.acquireLease('a', 'two', 1190, 100)).toBe(true);
    expect(store.renewLease('a', 'one', 1200, 100)).toBe(false);
    expect(store.leaseOf('a')).toEqual({ owner: 'two', expiresAt: 1290 });
    store.releaseLease('a', 'one');
    expect(store.leaseOf('a')?.owner).toBe('two');
    store.releaseLease('a', 'two');
    expect(store.leaseOf('a')).toBeNull();
    store.close();
  });

  it('keeps reservations, tasks and owners', () => {
    const store = make();
    store.addReservation({ id: 'r1', instanceId: 'a', owner: 'o', tokens: 10, nanos: 20, createdAt: 1 });
    expect(store.listReservations()).toEqual([{ id: 'r1', instanceId: 'a', owner: 'o', tokens: 10, nanos: 20, createdAt: 1 }]);
    store.removeReservation('r1');
    expect(store.listReservations()).toEqual([]);
    const task = { id: 't1', kind: 'send', state: 'working', label: 'l', owner: 'o', request: { tool: 'x', arguments: {} }, progress: { message: 'm' }, result: undefined, error: undefined, createdAt: 'c', finishedAt: null };
    store.saveTask(task);
    store.saveTask({ ...task, state: 'completed', result: { ok: 1 }, finishedAt: 'f' });
    expect(store.getTask('t1')).toEqual({ ...task, state: 'completed', result: { ok: 1 }, finishedAt: 'f' });
    expect(store.listTasks('completed').map((t) => t.id)).toEqual(['t1']);
    store.registerOwner({ id: 'o', host: 'h', pid: 1, processStart: '5', startedAt: 's' });
    expect(store.getOwner('o')).toEqual({ id: 'o', host: 'h', pid: 1, processStart: '5', startedAt: 's' });
    expect(store.transaction(() => 42)).toBe(42);
    store.close();
  });
});
