import type { Pool } from 'pg';
import { OrchestratorError } from '../../domain/errors.js';
import type { Store, Tx } from '../store.js';
import { LOCK_WAIT_MS, WRITE_LOCK, checkout, migrate, openPool, storeError, type Checkout } from './pg-connect.js';
import { PgReads } from './pg-reads.js';
import { PgTx } from './pg-tx.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (reads run on any; one at a time runs this process's transaction). */
  readonly maxConnections?: number;
  /** Called when an idle connection breaks (the pool replaces it); default: ignored, the next query reports. */
  readonly onConnectionError?: (error: Error) => void;
  /** How long a transaction waits for the write lock another node holds (default 10 s), then fails as backend_unavailable. */
  readonly lockWaitMs?: number;
  /** Called with every statement run and its parameters (tests read their query plans). */
  readonly onStatement?: (sql: string, values: readonly unknown[] | undefined) => void;
}

/**
 * The networked store: PostgreSQL, shared by every node of a cluster. Opening is asynchronous (connect,
 * migrate); every operation waits for it, so the constructor can stand where a SQLite store is built.
 *
 * Check-then-write across nodes: every transaction first takes one transaction-level advisory lock
 * (`pg_advisory_xact_lock`), released by COMMIT or ROLLBACK, so writers run one at a time across the whole
 * cluster, as SQLite's BEGIN IMMEDIATE makes them on one machine. Simple and correct: a transaction's checks
 * (the instance cap, a budget, a lease) see every earlier commit and nothing can commit between its check and
 * its write. Transactions are short (no model call runs inside one), so the lock is held for a few round
 * trips. Within this process transactions queue before taking a connection, leaving the pool's others free
 * for reads. Reads outside a transaction run on the pool and see what is committed.
 */
export class PostgresStore extends PgReads implements Store {
  readonly #url: string;
  readonly #options: PostgresStoreOptions;
  /** The pool once open and migrated; dropped when opening failed, so the next operation tries again. */
  #opening: Promise<Pool> | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    super(async (text, values) => {
      const pool = await this.#pool();
      if (this.#closed) throw new OrchestratorError('invalid_state', 'The store is closed.');
      options.onStatement?.(text, values);
      try {
        return await pool.query(text, values as unknown[] | undefined);
      } catch (error) {
        throw storeError(error, url);
      }
    });
    this.#url = url;
    this.#options = options;
    // Start connecting and migrating now; every operation awaits (and reports) the outcome.
    this.#pool().catch(() => undefined);
  }

  /**
   * Opens the pool and migrates, once. A failure is reported to every operation waiting for it, and the next
   * one tries again: a node started while the database is down (or not created yet) recovers when it is up.
   */
  #pool(): Promise<Pool> {
    if (this.#closed) return Promise.reject(new OrchestratorError('invalid_state', 'The store is closed.'));
    this.#opening ??= this.#open(this.#url, this.#options).catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  async #open(url: string, options: PostgresStoreOptions): Promise<Pool> {
    const pool = await openPool(url, options.maxConnections ?? 10, options.onConnectionError ?? (() => undefined));
    try {
      const connection = await checkout(pool);
      try {
        await migrate(connection.client);
      } finally {
        connection.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw storeError(error, url);
    }
    return pool;
  }

  /** Resolves when the database is open and migrated (rejects, naming the problem, when it can't be). */
  async ready(): Promise<void> {
    await this.#pool();
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const { result, callbacks } = await this.#serial(() => this.#run(fn));
    for (const callback of callbacks) callback();
    return result;
  }

  async #run<T>(fn: (tx: Tx) => Promise<T>): Promise<{ result: T; callbacks: ReadonlyArray<() => void> }> {
    const { onStatement, lockWaitMs = LOCK_WAIT_MS } = this.#options;
    const pool = await this.#pool();
    if (this.#closed) throw new OrchestratorError('invalid_state', 'The store is closed.');
    let connection: Checkout;
    try {
      connection = await checkout(pool);
    } catch (error) {
      throw storeError(error, this.#url);
    }
    const { client } = connection;
    let broken: Error | undefined;
    const query = async (text: string, values?: readonly unknown[]) => {
      onStatement?.(text, values);
      try {
        return await client.query(text, values as unknown[] | undefined);
      } catch (error) {
        throw storeError(error, this.#url, lockWaitMs);
      }
    };
    const tx = new PgTx(query);
    try {
      // One round trip: open the transaction, bound the wait for the lock, take the cluster-wide write lock.
      await query(`BEGIN; SET LOCAL lock_timeout = '${Math.ceil(lockWaitMs)}ms'; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      const result = await fn(tx);
      await query('COMMIT');
      return { result, callbacks: tx.end() };
    } catch (error) {
      tx.end();
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // The connection is gone: the server rolls back on its own; this connection must not return to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  /** Runs `work` after every transaction of this store queued before it. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    this.#closed = true;
    const pool = await this.#opening?.catch(() => undefined);
    await pool?.end();
  }
}
