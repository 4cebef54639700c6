import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../store/postgres/postgres-store.js';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster for one test file: a temp dir, a free port, trust auth on 127.0.0.1. */
export interface PostgresCluster {
  /** A URL of the cluster's `postgres` database (superuser `postgres`, no password). */
  readonly url: string;
  readonly port: number;
  /** Creates an empty database and returns its URL: each test gets its own, so no state is shared. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once (`-m immediate`) and removes its directory. */
  stop(): Promise<void>;
}

let databases = 0;

/**
 * Starts PostgreSQL with the machine's `initdb` and `pg_ctl`. They refuse to run as root, so as root (CI) they
 * run as the `postgres` user through `runuser`, on a temp dir given to that user; otherwise they run as we are.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const tool = (command: string, args: readonly string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, [...args]);
  const data = join(dir, 'data');
  await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // fsync off: a test cluster need not survive power loss, and commits get much cheaper.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  try {
    await tool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '120', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A port free right now on 127.0.0.1 (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** What a test file gets from usePostgres: a fresh database per test, and stores on it. */
export interface PostgresForTests {
  /** The cluster (started before the file's first test). */
  cluster(): PostgresCluster;
  /** The URL of this test's own database (created before each test). */
  url(): string;
  /** A PostgresStore on this test's database: several calls are several nodes on one database. */
  store(options?: PostgresStoreOptions): PostgresStore;
}

/**
 * One cluster for the whole test file (started in beforeAll, stopped in afterAll) and an empty database for
 * each test (beforeEach), so tests share no state and a store can be made synchronously, like a SQLite one.
 * `onlyInSuite`: create the database only for the tests of the describe block of that name.
 */
export function usePostgres(options: { readonly onlyInSuite?: string } = {}): PostgresForTests {
  let cluster: PostgresCluster | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async (context) => {
    url = undefined;
    // In a file that runs the same tests on several stores, only the PostgreSQL suite's tests need a database.
    if (options.onlyInSuite !== undefined && context.task.suite?.name !== options.onlyInSuite) return;
    url = await cluster?.createDatabase();
  }, 60_000);
  const current = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`usePostgres: no ${what} yet (call it inside a test)`);
    return value;
  };
  return {
    cluster: () => current(cluster, 'cluster'),
    url: () => current(url, 'database'),
    store: (options = {}) => new PostgresStore(current(url, 'database'), options),
  };
}
