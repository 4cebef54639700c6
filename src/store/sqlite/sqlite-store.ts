import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { OrchestratorError } from '../../domain/errors.js';
import type { Store, Tx } from '../store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { SqliteOps } from './sqlite-ops.js';
import { runNow, SqliteReads } from './sqlite-reads.js';
import { SqliteTx } from './sqlite-tx.js';

/** How long a transaction waits for another connection's write lock before giving up. */
const LOCK_WAIT_MS = 10_000;

export interface SqliteStoreOptions {
  /** `synchronous=FULL`: survive power loss, not just a killed process, at some write cost. */
  readonly durable?: boolean;
  /** Called with the SQL of every statement run (tests count them). */
  readonly onStatement?: (sql: string) => void;
}

/**
 * The embedded store: SQLite in WAL mode. With `synchronous=NORMAL` (the default) a committed write
 * survives `kill -9` of the process; `durable` adds fsync on every commit for power loss. Several
 * processes may open the same file: transactions are IMMEDIATE, so a check-then-write holds across them.
 *
 * better-sqlite3 is synchronous; the interface is async so a networked database can implement it too.
 * Within this process, one transaction runs at a time (a queue), and a read waits while one is open, so no
 * caller ever sees another's uncommitted writes. A transaction's body must only await its own `tx`.
 */
export class SqliteStore extends SqliteReads implements Store {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  /** The end of the queue of transactions (and of reads waiting behind them). */
  #tail: Promise<void> = Promise.resolve();
  #active = false;
  #waiting = 0;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const db = openDatabase(path, options);
    super(new SqliteOps(db));
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  protected run<T>(read: () => T): Promise<T> {
    if (!this.#active && this.#waiting === 0) return runNow(read);
    return this.#exclusive(async () => read());
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const { result, callbacks } = await this.#exclusive(async () => {
      await this.#beginImmediate();
      const tx = new SqliteTx(this.ops);
      try {
        const value = await fn(tx);
        this.#commit.run();
        return { result: value, callbacks: tx.end() };
      } catch (error) {
        tx.end();
        if (this.#db.inTransaction) this.#rollback.run();
        throw error;
      }
    });
    for (const callback of callbacks) callback();
    return result;
  }

  /**
   * Takes the database's write lock. Another connection holding it (another server, or another store on the
   * same file in this process) makes us wait without blocking the event loop, so it can finish and commit.
   */
  async #beginImmediate(): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let waitMs = 1; ; waitMs = Math.min(50, waitMs * 2)) {
      try {
        this.#begin.run();
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
        if (Date.now() >= deadline) {
          throw new OrchestratorError('backend_unavailable', `The store is locked by another server for more than ${LOCK_WAIT_MS / 1000} s; try again.`, undefined, { cause: error });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#db.open) this.#db.close();
    });
  }

  /** Runs `work` when every transaction queued before it has ended; nothing else touches the connection meanwhile. */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#waiting += 1;
    await previous;
    this.#waiting -= 1;
    this.#active = true;
    try {
      if (!this.#db.open) throw new OrchestratorError('invalid_state', 'The store is closed.');
      return await work();
    } finally {
      this.#active = false;
      release();
    }
  }
}

function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: Database.Database;
  try {
    db = new Database(path, options.onStatement ? { verbose: (sql) => options.onStatement?.(String(sql)) } : {});
  } catch (error) {
    throw new OrchestratorError('internal', `Cannot open the store ${path}: ${(error as Error).message}. Check ORCHESTRATOR_DB / WORKSPACE_DIR.`);
  }
  // Opening and migrating may wait (blocking) for another server starting at the same moment.
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  // SQLite answers SQLITE_BUSY without calling the busy handler where waiting could deadlock (another server
  // switching the file to WAL or migrating as this one reads): such a start-up step is tried again.
  whileBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma(`synchronous = ${options.durable ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  whileBusy(() => migrate(db));
  // From here on a busy write lock is waited for asynchronously (see #beginImmediate); reads never wait in WAL mode.
  db.pragma('busy_timeout = 5');
  return db;
}

/** Runs a start-up step, again after a short blocking pause while the file is busy, for up to LOCK_WAIT_MS. */
export function whileBusy<T>(step: () => T, waitMs = LOCK_WAIT_MS): T {
  const until = Date.now() + waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      return step();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy = typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
      if (!busy || Date.now() >= until) throw error;
      Atomics.wait(pause, 0, 0, Math.min(200, 10 * 2 ** Math.min(attempt, 5)));
    }
  }
}

/**
 * Brings a database to the current schema, one migration per immediate transaction; refuses a newer
 * schema. The version is read inside each transaction, so servers starting together migrate once.
 */
export function migrate(db: Database.Database): void {
  const step = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new OrchestratorError(
        'internal',
        `The store was written by a newer claude-orchestrator (schema ${version}; this one knows ${SCHEMA_VERSION}). Upgrade, or point ORCHESTRATOR_DB at another file.`,
      );
    }
    if (version === SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[version] ?? '');
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    // Next migration.
  }
}
