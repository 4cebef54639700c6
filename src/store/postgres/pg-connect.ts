import type { Pool, PoolClient } from 'pg';
import { OrchestratorError } from '../../domain/errors.js';
import { redactStoreUrl } from '../store-location.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-migrations.js';

/** Advisory lock keys (any constants unique to this program): one for migrating, one for writing. */
export const MIGRATE_LOCK = 7_210_001;
export const WRITE_LOCK = 7_210_002;

/** How long a transaction waits for another node's write lock before giving up (as the SQLite store waits for its file's). */
export const LOCK_WAIT_MS = 10_000;

/**
 * Opens a pool on `url`, loading `pg` only now (a SQLite server never loads it). BIGINT and NUMERIC come back
 * as numbers, as SQLite's integers do (every amount the store keeps fits in 2^53). The pool's connections stay
 * this store's own: nothing is set on `pg`'s process-wide type table.
 */
export async function openPool(url: string, max: number, onError: (error: Error) => void): Promise<Pool> {
  const { default: pg } = await import('pg');
  const asNumber = (value: string): number => Number(value);
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? asNumber : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max, types, application_name: 'claude-orchestrator' });
  // A connection that breaks while idle is dropped by the pool; the next query opens another (or reports why not).
  pool.on('error', onError);
  return pool;
}

/** A connection taken from the pool, with what broke it, if anything did while it was out. */
export interface Checkout {
  readonly client: PoolClient;
  /** Returns it to the pool, or destroys it when it broke (or `error` says it is unusable). */
  release(error?: Error): void;
}

/**
 * Takes a connection. While it is out the pool no longer listens for its errors, and an error event nobody
 * listens for would end the process: a database restarting between two statements of a transaction must be
 * a failed transaction, not a crashed node. The next statement on it reports the loss.
 */
export async function checkout(pool: Pool): Promise<Checkout> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  return {
    client,
    release(error) {
      client.off('error', onError);
      client.release(error ?? broken);
    },
  };
}

/**
 * Brings the database to the current schema: under a transaction-level advisory lock, so of several nodes
 * starting at once one migrates and the others then find nothing to do; each migration and its row in
 * `schema_migrations` commit together. Refuses a database written by a newer version.
 */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const version = Number(rows[0]?.v ?? 0);
    if (version > PG_SCHEMA_VERSION) {
      throw new OrchestratorError(
        'internal',
        `The PostgreSQL store was written by a newer claude-orchestrator (schema ${version}; this one knows ${PG_SCHEMA_VERSION}). Upgrade every node, or point ORCHESTRATOR_DB at another database.`,
      );
    }
    for (let next = version; next < PG_SCHEMA_VERSION; next++) {
      await client.query(PG_MIGRATIONS[next] ?? '');
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [next + 1]);
    }
    await client.query('COMMIT');
    return PG_SCHEMA_VERSION;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** SQLSTATE classes and Node codes that mean the database can't be reached (or went away). */
const UNREACHABLE = /^(08|57P0[123]|53300|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|EPIPE)/;

/**
 * The OrchestratorError for a failure of the database itself, as the SQLite store reports its own: a busy write
 * lock and an unreachable server are `backend_unavailable` (try again). Other errors pass through unchanged.
 */
export function storeError(error: unknown, url: string, lockWaitMs = LOCK_WAIT_MS): unknown {
  if (error instanceof OrchestratorError || !(error instanceof Error)) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === '55P03') {
    return new OrchestratorError('backend_unavailable', `The store is locked by another server for more than ${lockWaitMs / 1000} s; try again.`, undefined, { cause: error });
  }
  if (code === '3D000') {
    return new OrchestratorError('backend_unavailable', `The PostgreSQL database of ${redactStoreUrl(url)} does not exist: create it (createdb), the tables are made for you. ${error.message}.`, undefined, { cause: error });
  }
  if (code === '28P01' || code === '28000') {
    return new OrchestratorError('not_configured', `The PostgreSQL store ${redactStoreUrl(url)} refused the credentials: ${error.message}. Check the user and password in ORCHESTRATOR_DB.`, undefined, { cause: error });
  }
  if (UNREACHABLE.test(code) || /Connection terminated|connection error and is not queryable|Client was closed|timeout exceeded when trying to connect/i.test(error.message)) {
    return new OrchestratorError('backend_unavailable', `The PostgreSQL store ${redactStoreUrl(url)} is unreachable: ${error.message}. Check ORCHESTRATOR_DB and that the database is up.`, undefined, {
      cause: error,
    });
  }
  return error;
}
