import pg from 'pg';
import { expect, it } from 'vitest';
import { ZERO_USAGE } from '../../domain/usage.js';
import { usePostgres } from '../../test-support/postgres.js';
import { record } from '../../test-support/records.js';
import type { Store } from '../store.js';

/**
 * No statement of the PostgreSQL store reads every stored instance: each one the store runs, with the values it
 * ran with, is planned on a store of 3,000 instances with sequential scans priced out, and none is left that
 * can only scan a table that grows with use (instances, messages, events, tasks, holds).
 */
const postgres = usePostgres();
const GROWING = /Seq Scan on (instances|messages|events|tasks|holds|approvals)\b/;

/**
 * A scan of a table that grows with history, bounded neither by an index condition nor by a LIMIT above it: it
 * reads the whole index. (Holds are not counted: they are the model calls in flight, each removed as it settles.)
 */
function unboundedIndexScan(plan: string): boolean {
  const lines = plan.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  return lines.some((line, i) => {
    if (!/ Scan .*on (instances|messages|events|tasks|approvals)\b/.test(line) || /(Index|Recheck) Cond/.test(lines[i + 1] ?? '')) return false;
    const limited = lines.slice(0, i).some((above) => indent(above) < indent(line) && /^(->\s+)?Limit\b/.test(above.trim()));
    return !limited;
  });
}

/** Every read and write of the store, once. */
async function everyOperation(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.insertInstance(record('root'));
    await tx.insertInstance(record('kid', { parentId: 'root', depth: 1, backend: 'claude-code', node: 'n1' }));
    const kid = await tx.getInstance('kid');
    if (kid) await tx.patchInstance(kid, { turns: 1 });
    await tx.updateInstance('root', { state: 'busy' });
    await tx.appendMessage('kid', { role: 'user', content: 'hi', at: 'now' });
    await tx.updateMessage('kid', 1, { failed: true });
    await tx.appendEvent({ instanceId: 'kid', at: 'now', from: 'idle', to: 'busy', reason: 'ready' });
    await tx.acquireLease('kid', 'n1', 1, 10);
    await tx.renewLease('kid', 'n1', 2, 10);
    await tx.releaseLease('kid', 'n1');
    await tx.addHold({ id: 'h', instanceId: 'kid', chain: ['kid', 'root'], owner: 'n1', tokens: 1, nanos: 1, createdAt: 1 });
    await tx.removeHold('h');
    await tx.charge({ instanceId: 'kid', chain: ['kid', 'root'], usage: { ...ZERO_USAGE, inputTokens: 1 }, costNanos: 1, cacheSavingsNanos: 0 });
    await tx.saveTask({ id: 't', kind: 'send', state: 'working', label: 'l', owner: 'n1', request: {}, progress: null, result: undefined, error: undefined, createdAt: 'c', finishedAt: null });
    await tx.registerOwner({ id: 'n1', host: 'h', pid: 1, processStart: '1', startedAt: 's', address: null, heartbeatAt: 'now' });
    await tx.heartbeat('n1', 'later');
    await tx.deleteEndedBefore('2026-12-01T00:00:00.000Z', 10);
    await tx.deleteTasksFinishedBefore('2026-12-01T00:00:00.000Z', 10);
    await tx.addApproval({ id: 'a', instanceId: 'kid', owner: 'n1', path: [], tool: 'Bash', input: {}, reason: 'r', state: 'pending', decision: null, settledReason: null, createdAt: '1', expiresAt: '2', settledAt: null });
    await tx.settleApproval('a', { decision: 'deny', reason: 'r', atIso: '3' });
    await tx.deleteApprovalsBefore('0', 10);
  });
  await store.chainOf('kid');
  await store.listInstances({ includeTerminated: false, limit: 20, offset: 40 });
  await store.listInstances({ includeTerminated: true, limit: 20, offset: 40 });
  await store.childIds(['root', 'kid']);
  await store.childrenOf('root');
  await store.childrenOf('root', { liveOnly: true });
  await store.countLiveChildren('root');
  await store.instancesInStates(['busy', 'spawning'], 10);
  await store.expiredIdle(Date.parse('2026-11-25T12:00:00.000Z'), 10);
  await store.totals();
  await store.counters();
  await store.listMessages('kid', { limit: 10, offset: 0 });
  await store.conversation('kid');
  await store.lastMessage('kid');
  await store.listEvents('kid');
  await store.leaseOf('kid');
  await store.leaseOwners(10);
  await store.leasedBy('n1', 10);
  await store.getHold('h');
  await store.holdOwners();
  await store.holdsOf('n1', 10);
  await store.getTask('t');
  await store.listTasks('working', 10);
  await store.countTasks('working');
  await store.getOwner('n1');
  await store.listOwners(10);
  await store.instancesOnNode('n1', 10);
  await store.getApproval('a');
  await store.pendingApprovals({ limit: 10 });
  await store.pendingApprovals({ instanceId: 'kid', limit: 10 });
}

it('plans every statement as a lookup or an index range, never a scan of a growing table', async () => {
  const seed = postgres.store();
  await seed.transaction(async (tx) => {
    for (let i = 0; i < 3000; i++) {
      const at = new Date(Date.parse('2026-11-20T00:00:00.000Z') + i * 1000).toISOString();
      await tx.insertInstance(record(`inst_${i}`, { createdAt: at, stateChangedAt: at, ...(i % 3 ? { state: 'terminated', stateReason: 'requested' } : {}) }));
    }
  });
  await seed.close();
  const ran = new Map<string, readonly unknown[] | undefined>();
  const store = postgres.store({ onStatement: (sql, values) => ran.has(sql) || ran.set(sql, values) });
  await everyOperation(store);
  await store.close();

  const client = new pg.Client({ connectionString: postgres.url() });
  await client.connect();
  try {
    await client.query('ANALYZE');
    await client.query('SET enable_seqscan = off');
    const plans: Array<{ sql: string; plan: string }> = [];
    for (const [sql, values] of ran) {
      if (/^\s*(BEGIN|COMMIT|ROLLBACK)/.test(sql)) continue;
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values as unknown[] | undefined);
      plans.push({ sql: sql.replace(/\s+/g, ' ').trim(), plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
    }
    expect(plans.length).toBeGreaterThan(40);
    expect(plans.filter((p) => GROWING.test(p.plan) || unboundedIndexScan(p.plan))).toEqual([]);
  } finally {
    await client.end();
  }
}, 120_000);
