import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../domain/usage.js';
import { usePostgres } from '../test-support/postgres.js';
import { record } from '../test-support/records.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store, StoredTask } from './store.js';

/** The counters /metrics serves, as every Store keeps them (the contract beside store-contract.test.ts). */
const postgres = usePostgres({ onlyInSuite: 'PostgresStore counters' });
const stores: Array<[string, () => Store]> = [
  ['SqliteStore (file)', () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'counters-')), 'orchestrator.db'))],
  ['MemoryStore (SQLite in memory)', () => new MemoryStore()],
  ['PostgresStore', () => postgres.store()],
];

const task = (id: string, state: string): StoredTask => ({
  id,
  kind: 'send',
  state,
  label: 'l',
  owner: 'o',
  request: { tool: 'send_to_instance', arguments: {} },
  progress: { message: 'm' },
  result: undefined,
  error: undefined,
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: state === 'working' ? null : '2026-01-01T00:00:01.000Z',
});

describe.each(stores)('%s counters', (_name, make) => {
  it('start at zero on a new store', async () => {
    const store = make();
    expect(await store.counters()).toEqual({
      instancesCreated: 0,
      instancesEnded: {},
      turns: { completed: 0, failed: 0 },
      tokens: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
      costNanos: 0,
      tasks: {},
    });
    await store.close();
  });

  it('count instances created and ended by reason, turns by outcome, tokens by kind and priced cost, in the transaction that made the change', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.insertInstance(record('a'));
      await tx.insertInstance(record('b'));
      await tx.insertInstance(record('c', { costNanos: null }));
    });
    await store.transaction(async (tx) => {
      const usage = { ...ZERO_USAGE, inputTokens: 100, outputTokens: 20, cacheCreationInputTokens: 5, cacheCreation1hInputTokens: 2, cacheReadInputTokens: 7 };
      await tx.charge({ instanceId: 'a', chain: ['a'], usage, costNanos: 900, cacheSavingsNanos: 0 });
      await tx.charge({ instanceId: 'b', chain: ['b'], usage, costNanos: 100, cacheSavingsNanos: 0 });
      // An unpriced call makes b's cost unknown: what was counted stays counted, nothing is subtracted.
      await tx.charge({ instanceId: 'b', chain: ['b'], usage, costNanos: null, cacheSavingsNanos: null });
      await tx.charge({ instanceId: 'c', chain: ['c'], usage, costNanos: null, cacheSavingsNanos: null });
      await tx.updateInstance('a', { turns: 1 });
      await tx.appendMessage('a', { role: 'user', content: 'x', at: 'now' });
      await tx.updateMessage('a', 1, { failed: true, error: 'down' });
      // Marking it again, or another field of it, is not another failed turn.
      await tx.updateMessage('a', 1, { error: 'still down' });
      await tx.appendMessage('a', { role: 'assistant', content: 'y', at: 'now', failed: true });
    });
    await store.transaction(async (tx) => {
      await tx.updateInstance('a', { state: 'terminating', stateReason: 'requested' });
      await tx.updateInstance('a', { state: 'terminated', stateReason: 'requested' });
      await tx.updateInstance('b', { state: 'terminated', stateReason: 'limit:cost' });
      await tx.updateInstance('c', { state: 'failed', stateReason: 'error' });
    });
    // A rolled-back change counts nothing.
    await expect(
      store.transaction(async (tx) => {
        await tx.insertInstance(record('d'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const counted = {
      instancesCreated: 3,
      instancesEnded: { requested: 1, 'limit:cost': 1, error: 1 },
      turns: { completed: 1, failed: 1 },
      tokens: { input: 400, output: 80, cacheWrite: 20, cacheRead: 28 },
      costNanos: 1_000,
    };
    expect(await store.counters()).toMatchObject(counted);
    // Retention deletes ended instances; the totals of what happened stay.
    expect(await store.transaction((tx) => tx.deleteEndedBefore('2030-01-01T00:00:00.000Z', 10))).toBe(3);
    expect(await store.counters()).toMatchObject(counted);
    await store.close();
  });

  it('count the tasks in each state now: a task moves between states, a deleted one leaves', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.saveTask(task('t1', 'working'));
      await tx.saveTask(task('t2', 'working'));
      await tx.saveTask(task('t3', 'working'));
    });
    await store.transaction(async (tx) => {
      await tx.saveTask(task('t1', 'completed'));
      await tx.saveTask(task('t2', 'failed'));
      // Progress without a state change changes no count.
      await tx.saveTask({ ...task('t3', 'working'), progress: { message: 'later' } });
    });
    expect((await store.counters()).tasks).toEqual({ working: 1, completed: 1, failed: 1 });
    expect(await store.transaction((tx) => tx.deleteTasksFinishedBefore('2030-01-01T00:00:00.000Z', 10))).toBe(2);
    expect((await store.counters()).tasks).toEqual({ working: 1, completed: 0, failed: 0 });
    await store.close();
  });
});
