import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../test-support/postgres.js';
import type { StoredApproval } from './approvals.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The approvals part of the store contract, on every implementation (PostgreSQL on a throwaway cluster). */
const postgres = usePostgres({ onlyInSuite: 'PostgresStore' });
const stores: Array<[string, () => Store]> = [
  ['SqliteStore (file)', () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'store-')), 'orchestrator.db'))],
  ['MemoryStore (SQLite in memory)', () => new MemoryStore()],
  ['PostgresStore', () => postgres.store()],
];

const ask = (id: string, instanceId: string, createdAt: string): StoredApproval => ({
  id,
  instanceId,
  owner: 'node-1',
  path: [
    { id: 'root', name: 'Lead' },
    { id: instanceId, name: 'Coder' },
  ],
  tool: 'Bash',
  input: { command: 'touch made-by-bash.txt' },
  reason: 'the policy asks before Bash',
  state: 'pending',
  decision: null,
  settledReason: null,
  createdAt,
  expiresAt: '2026-11-27T12:05:00.000Z',
  settledAt: null,
});

describe.each(stores)('%s', (_name, make) => {
  it('keeps asks pending, oldest first, per instance or all, and settles each exactly once', async () => {
    const store = make();
    await store.transaction(async (tx) => {
      await tx.addApproval(ask('a2', 'kid', '2026-11-27T12:00:02.000Z'));
      await tx.addApproval(ask('a1', 'kid', '2026-11-27T12:00:01.000Z'));
      await tx.addApproval(ask('b1', 'other', '2026-11-27T12:00:03.000Z'));
    });
    expect(await store.getApproval('a1')).toEqual(ask('a1', 'kid', '2026-11-27T12:00:01.000Z'));
    expect(await store.getApproval('nope')).toBeUndefined();
    expect((await store.pendingApprovals({ limit: 10 })).map((a) => a.id)).toEqual(['a1', 'a2', 'b1']);
    expect((await store.pendingApprovals({ limit: 2 })).map((a) => a.id)).toEqual(['a1', 'a2']);
    expect((await store.pendingApprovals({ instanceId: 'kid', limit: 10 })).map((a) => a.id)).toEqual(['a1', 'a2']);

    const settlement = { decision: 'allow_instance' as const, reason: 'answered', atIso: '2026-11-27T12:01:00.000Z' };
    const settled = await store.transaction((tx) => tx.settleApproval('a1', settlement));
    expect(settled).toMatchObject({ id: 'a1', state: 'settled', decision: 'allow_instance', settledReason: 'answered', settledAt: '2026-11-27T12:01:00.000Z' });
    // A second answer, or an answer to an unknown id, changes nothing.
    expect(await store.transaction((tx) => tx.settleApproval('a1', { ...settlement, decision: 'deny' }))).toBeUndefined();
    expect(await store.transaction((tx) => tx.settleApproval('nope', settlement))).toBeUndefined();
    expect((await store.getApproval('a1'))?.decision).toBe('allow_instance');
    expect((await store.pendingApprovals({ instanceId: 'kid', limit: 10 })).map((a) => a.id)).toEqual(['a2']);

    // Old asks go in batches, whatever their state; newer ones stay.
    expect(await store.transaction((tx) => tx.deleteApprovalsBefore('2026-11-27T12:00:02.500Z', 1))).toBe(1);
    expect(await store.transaction((tx) => tx.deleteApprovalsBefore('2026-11-27T12:00:02.500Z', 10))).toBe(1);
    expect(await store.getApproval('a1')).toBeUndefined();
    expect((await store.pendingApprovals({ limit: 10 })).map((a) => a.id)).toEqual(['b1']);
    await store.close();
  });
});
