import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { record } from './records.js';
import { ScriptedBackend } from './scripted-backend.js';

/** The statements a store ran while an operation was measured. */
export class StatementLog {
  readonly all: string[] = [];
  #counting = false;

  /** The store's onStatement hook: keeps only what runs during `during`. */
  readonly record = (sql: string): void => {
    if (this.#counting) this.all.push(sql);
  };

  /** Runs `op` and returns the statements it ran. */
  async during(op: () => Promise<unknown>): Promise<string[]> {
    const from = this.all.length;
    this.#counting = true;
    try {
      await op();
    } finally {
      this.#counting = false;
    }
    return this.all.slice(from);
  }
}

export interface SeededStore {
  readonly store: SqliteStore;
  readonly dir: string;
  readonly path: string;
  readonly log: StatementLog;
}

/**
 * A store on disk that already holds `stored` instances, one a second from 2026-11-20, those `live(i)` says idle
 * (with a month-long lifetime, so a health sweep finds no due work) and the rest terminated as requested.
 */
export async function seededStore(stored: number, live: (i: number) => boolean): Promise<SeededStore> {
  const dir = mkdtempSync(join(tmpdir(), 'seeded-'));
  const path = join(dir, 'orchestrator.db');
  const log = new StatementLog();
  const store = new SqliteStore(path, { onStatement: log.record });
  const limits = { maxTotalTokens: 100_000, maxCostNanos: null, timeoutMinutes: 30 * 24 * 60 };
  await store.transaction(async (tx) => {
    for (let i = 0; i < stored; i++) {
      const at = new Date(Date.parse('2026-11-20T00:00:00.000Z') + i * 1000).toISOString();
      const state = live(i) ? ({ state: 'idle', stateReason: 'ready' } as const) : ({ state: 'terminated', stateReason: 'requested' } as const);
      await tx.insertInstance(record(`inst_${String(i).padStart(32, '0')}`, { createdAt: at, stateChangedAt: at, limits, ...state }));
    }
  });
  return { store, dir, path, log };
}

/** An orchestrator on a seeded store (a scripted backend, no health ticks during the test), ready. */
export async function seededOrchestrator(seeded: SeededStore, now?: number): Promise<Orchestrator> {
  const config = loadConfig({}, {}, { workspaceDir: seeded.dir, maxInstances: 100_000, healthCheckIntervalSeconds: 3600 });
  const orchestrator = new Orchestrator({
    config,
    backend: new ScriptedBackend(),
    store: seeded.store,
    priceTable: BUILTIN_PRICE_TABLE,
    logger: silentLogger(),
    ...(now === undefined ? {} : { clock: { now: () => now } }),
  });
  await orchestrator.ready();
  return orchestrator;
}

/**
 * The steps of the statements' query plans that scan a stored table (instances, messages, events, tasks) rather
 * than search an index: none may, or its cost grows with what is stored. Not holds: they are the calls in flight,
 * bounded by concurrency.
 */
export function tableScans(path: string, statements: Iterable<string>): string[] {
  const db = new Database(path, { readonly: true });
  const scans: string[] = [];
  try {
    for (const sql of new Set(statements)) {
      if (!/^\s*(SELECT|UPDATE|DELETE|WITH|INSERT)/i.test(sql)) continue;
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...nullParams(sql)) as Array<{ detail: string }>;
      for (const step of plan) if (/^SCAN (instances|messages|events|tasks|approvals)\b/.test(step.detail) && !/USING (COVERING )?INDEX/.test(step.detail)) scans.push(`${step.detail} <- ${sql}`);
    }
  } finally {
    db.close();
  }
  return scans;
}

/** Nulls for a statement's parameters, positional (?) or named (@x), so EXPLAIN can plan it. */
function nullParams(sql: string): unknown[] {
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1] as string);
  if (named.length > 0) return [Object.fromEntries(named.map((name) => [name, null]))];
  return new Array((sql.match(/\?/g) ?? []).length).fill(null);
}
