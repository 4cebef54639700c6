import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { record } from '../test-support/records.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';
import { Orchestrator } from './orchestrator.js';

/** The statements each operation ran, for one store size. */
interface Profile {
  readonly counts: Record<string, number>;
  readonly statements: ReadonlySet<string>;
  readonly path: string;
}

/** Spawn, send, status, list, terminate and a health sweep on a store that already holds `stored` instances (a tenth live). */
async function profile(stored: number): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const path = join(dir, 'orchestrator.db');
  let counting = false;
  let count = 0;
  const statements = new Set<string>();
  const store = new SqliteStore(path, {
    onStatement: (sql) => {
      if (!counting) return;
      count += 1;
      statements.add(sql);
    },
  });
  await store.transaction(async (tx) => {
    for (let i = 0; i < stored; i++) {
      const live = i % 10 === 0;
      const at = new Date(Date.parse('2026-11-20T00:00:00.000Z') + i * 1000).toISOString();
      // Live ones with a month-long lifetime, so the sweep has no due work: it must only look, and cheaply.
      const limits = { maxTotalTokens: 100_000, maxCostNanos: null, timeoutMinutes: 30 * 24 * 60 };
      await tx.insertInstance(record(`inst_${String(i).padStart(32, '0')}`, { createdAt: at, state: live ? 'idle' : 'terminated', stateChangedAt: at, limits }));
    }
  });
  const config = loadConfig({}, {}, { workspaceDir: dir, maxInstances: 100_000, healthCheckIntervalSeconds: 3600 });
  const orchestrator = new Orchestrator({ config, backend: new ScriptedBackend(), store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger(), clock: { now: () => Date.parse('2026-11-25T12:00:00.000Z') } });
  await orchestrator.ready();
  const counts: Record<string, number> = {};
  const measure = async (name: string, op: () => Promise<unknown>) => {
    count = 0;
    counting = true;
    await op();
    counting = false;
    counts[name] = count;
  };
  let id = '';
  await measure('spawn', async () => {
    id = (await orchestrator.spawnInstance({ name: 'measured' })).instance_id;
  });
  await measure('send', () => orchestrator.sendToInstance({ instance_id: id, message: 'hello' }));
  await measure('status', () => orchestrator.getInstanceStatus({ instance_id: id }));
  await measure('list', () => orchestrator.listInstances());
  await measure('output', () => orchestrator.getInstanceOutput({ instance_id: id }));
  await measure('terminate', () => orchestrator.terminateInstance({ instance_id: id }));
  await measure('health', () => orchestrator.healthCheck());
  await orchestrator.close();
  return { counts, statements, path };
}

describe('work per operation does not grow with stored instances', () => {
  it('spawn, send, status, list, output, terminate and the health sweep run the same statements with 10 and with 5,000 stored, none scanning a table', async () => {
    const small = await profile(10);
    const large = await profile(5_000);
    expect(large.counts).toEqual(small.counts);
    expect(Object.values(small.counts).every((n) => n > 0)).toBe(true);

    // And each statement is a lookup or a bounded index range: no plan scans a table.
    const db = new Database(large.path, { readonly: true });
    const scans: string[] = [];
    for (const sql of large.statements) {
      if (!/^\s*(SELECT|UPDATE|DELETE|WITH|INSERT)/i.test(sql)) continue;
      const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1] as string);
      const params = named.length > 0 ? [Object.fromEntries(named.map((n) => [n, null]))] : new Array((sql.match(/\?/g) ?? []).length).fill(null);
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
      // Not holds: they are the calls in flight, bounded by concurrency, never by what is stored.
      for (const step of plan) if (/^SCAN (instances|messages|events|tasks)\b/.test(step.detail) && !/USING (COVERING )?INDEX/.test(step.detail)) scans.push(`${step.detail} <- ${sql}`);
    }
    db.close();
    expect(scans).toEqual([]);
  });
});
