import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { ZERO_USAGE } from '../../domain/usage.js';
import { deferred } from '../../test-support/fake-port.js';
import { usePostgres } from '../../test-support/postgres.js';
import { record } from '../../test-support/records.js';
import { PG_SCHEMA_VERSION } from './pg-migrations.js';
import { PostgresStore } from './postgres-store.js';

/** What only a networked store must show: several nodes (each its own store and pool) on one database. */
const postgres = usePostgres();

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgresStore', () => {
  it('holds a check-then-write across nodes: 50 transactions racing on two stores never pass a cap of 10', async () => {
    const nodes = [postgres.store(), postgres.store()];
    const cap = 10;
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (nodes[i % 2] as PostgresStore).transaction(async (tx) => {
          // The check (a read), a pause in which the other node would slip in without the lock, then the write.
          const { live } = await tx.totals();
          if (live >= cap) return false;
          await new Promise((resolve) => setImmediate(resolve));
          await tx.insertInstance(record(`i${i}`));
          return true;
        }),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(cap);
    expect(await nodes[1]?.totals()).toMatchObject({ instances: cap, live: cap });
    expect((await nodes[0]?.listInstances({ includeTerminated: true, limit: 100, offset: 0 }))?.items).toHaveLength(cap);
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('gives a turn lease to one node at a time, and appends messages in one sequence from both', async () => {
    const [a, b] = [postgres.store(), postgres.store()];
    await a.transaction((tx) => tx.insertInstance(record('x')));
    const won = await Promise.all([a, b, a, b].map((store, i) => store.transaction((tx) => tx.acquireLease('x', `node${i}`, 1000, 60_000))));
    expect(won.filter(Boolean)).toHaveLength(1);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).transaction((tx) => tx.appendMessage('x', { role: 'user', content: `m${i}`, at: 'now' }))),
    );
    const page = await b.listMessages('x', { limit: 100, offset: 0 });
    expect(page.items.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await Promise.all([a.close(), b.close()]);
  });

  it('runs commit callbacks after the commit: another node already sees the change', async () => {
    const [a, b] = [postgres.store(), postgres.store()];
    let seen: Promise<unknown> | undefined;
    await a.transaction(async (tx) => {
      await tx.insertInstance(record('done'));
      tx.onCommit(() => (seen = b.getInstance('done')));
    });
    expect(await seen).toMatchObject({ id: 'done' });
    await Promise.all([a.close(), b.close()]);
  });

  it('migrates once when several nodes open a new database at the same moment', async () => {
    const nodes = Array.from({ length: 4 }, () => postgres.store());
    await Promise.all(nodes.map((n) => n.ready()));
    const versions = await sql<{ version: number }>(postgres.url(), 'SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
    await nodes[0]?.transaction((tx) => tx.insertInstance(record('a')));
    expect(await nodes[3]?.getInstance('a')).toBeDefined();
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('keeps everything when reopened: instances, messages, events, tasks, owners, holds and counters', async () => {
    const first = postgres.store();
    await first.transaction(async (tx) => {
      await tx.insertInstance(record('root'));
      await tx.insertInstance(record('kid', { parentId: 'root', depth: 1, backend: 'claude-code', node: 'n1' }));
      await tx.appendMessage('kid', { role: 'user', content: 'hi', at: '2026-11-25T12:00:00.000Z' });
      await tx.appendEvent({ instanceId: 'kid', at: '2026-11-25T12:00:00.000Z', from: null, to: 'idle', reason: 'ready' });
      await tx.charge({ instanceId: 'kid', chain: ['kid', 'root'], usage: { ...ZERO_USAGE, inputTokens: 7, outputTokens: 3 }, costNanos: 42, cacheSavingsNanos: 0 });
      await tx.addHold({ id: 'h', instanceId: 'kid', chain: ['kid', 'root'], owner: 'n1', tokens: 5, nanos: 6, createdAt: 1 });
      await tx.saveTask({ id: 't', kind: 'send', state: 'working', label: 'l', owner: 'n1', request: { tool: 'x', arguments: {} }, progress: null, result: undefined, error: undefined, createdAt: 'c', finishedAt: null });
      await tx.registerOwner({ id: 'n1', host: 'h', pid: 1, processStart: '2', startedAt: 's', address: 'http://10.0.0.1:3000', heartbeatAt: '2026-11-25T12:00:00.000Z' });
    });
    const before = { root: await first.getInstance('root'), kid: await first.getInstance('kid'), totals: await first.totals(), counters: await first.counters() };
    await first.close();
    const again = postgres.store();
    expect({ root: await again.getInstance('root'), kid: await again.getInstance('kid'), totals: await again.totals(), counters: await again.counters() }).toEqual(before);
    expect(before.kid).toMatchObject({ node: 'n1', subtree: { tokens: 10, costNanos: 42 }, held: { tokens: 5, nanos: 6 } });
    expect((await again.listMessages('kid', { limit: 10, offset: 0 })).items.map((m) => m.content)).toEqual(['hi']);
    expect(await again.listEvents('kid')).toHaveLength(1);
    expect(await again.getHold('h')).toMatchObject({ chain: ['kid', 'root'] });
    expect(await again.countTasks('working')).toBe(1);
    expect((await again.listOwners(10)).map((o) => o.address)).toEqual(['http://10.0.0.1:3000']);
    await again.close();
  });

  it('refuses a database migrated by a newer version, saying what to do', async () => {
    await postgres.store().close();
    await sql(postgres.url(), `INSERT INTO schema_migrations (version) VALUES (${PG_SCHEMA_VERSION + 1})`);
    const store = postgres.store();
    await expect(store.ready()).rejects.toThrow(/newer claude-orchestrator.*Upgrade every node/);
    await expect(store.getInstance('a')).rejects.toThrow(/newer/);
    await store.close();
  });

  it('started before its database exists, says to create it, and opens once it does', async () => {
    const url = postgres.url().replace(/\/[^/]+$/, '/created_later');
    const store = new PostgresStore(url);
    await expect(store.getInstance('a')).rejects.toMatchObject({ code: 'backend_unavailable', message: expect.stringMatching(/does not exist: create it/) });
    await sql(postgres.url(), 'CREATE DATABASE created_later');
    expect(await store.getInstance('a')).toBeUndefined();
    await store.transaction((tx) => tx.insertInstance(record('a')));
    expect(await store.totals()).toMatchObject({ instances: 1 });
    await store.close();
  });

  it('reports an unreachable database as backend_unavailable, without its password', async () => {
    const { port } = postgres.cluster();
    // A port nothing listens on: the cluster's own, plus one, is as good as any (connection refused).
    const store = new PostgresStore(`postgres://someone:s3cret@127.0.0.1:${port + 1}/nothing`);
    const failure = await store.getInstance('a').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OrchestratorError);
    expect(failure).toMatchObject({ code: 'backend_unavailable' });
    expect((failure as Error).message).toMatch(/postgres:\/\/someone:\*\*\*@127\.0\.0\.1:\d+\/nothing is unreachable/);
    expect((failure as Error).message).not.toContain('s3cret');
    await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'backend_unavailable' });
    await store.close();
  });

  it('survives the server ending its connections: idle ones are replaced, the next read and write work', async () => {
    const store = postgres.store();
    await store.transaction((tx) => tx.insertInstance(record('a')));
    await Promise.all([store.getInstance('a'), store.totals(), store.counters()]);
    const ended = await sql<{ pid: number }>(
      postgres.url(),
      `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'claude-orchestrator'`,
    );
    expect(ended.length).toBeGreaterThan(0);
    // A connection the pool handed out at that moment may report the loss once (backend_unavailable); then new ones are made.
    for (let attempt = 0; ; attempt++) {
      const outcome = await store.getInstance('a').catch((error: unknown) => error);
      if (!(outcome instanceof Error)) break;
      expect(outcome).toMatchObject({ code: 'backend_unavailable' });
      expect(attempt).toBeLessThan(10);
    }
    await store.transaction((tx) => tx.insertInstance(record('b')));
    expect(await store.totals()).toMatchObject({ instances: 2 });
    await store.close();
  });

  it('fails a transaction whose connection the server ends mid-way (no crash, nothing written), then goes on', async () => {
    const store = postgres.store();
    await store.ready();
    const outcome = await store
      .transaction(async (tx) => {
        await tx.insertInstance(record('lost'));
        await sql(postgres.url(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'claude-orchestrator'`);
        // Give the loss time to arrive while no statement runs (the case that would otherwise end the process);
        // arriving later, the next statement reports it all the same.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await tx.getInstance('lost');
      })
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'backend_unavailable' });
    expect(await store.getInstance('lost')).toBeUndefined();
    await store.transaction((tx) => tx.insertInstance(record('next')));
    expect(await store.totals()).toMatchObject({ instances: 1 });
    await store.close();
  });

  it('fails a transaction that waits too long for the write lock another node holds, as backend_unavailable', async () => {
    const holder = postgres.store();
    const waiter = postgres.store({ lockWaitMs: 200 });
    const release = deferred();
    const locked = deferred();
    const holding = holder.transaction(async (tx) => {
      await tx.insertInstance(record('first'));
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const refused = await waiter.transaction((tx) => tx.insertInstance(record('second'))).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'backend_unavailable', message: expect.stringMatching(/locked by another server for more than 0.2 s; try again/) });
    release.resolve();
    await holding;
    // Nothing of the refused one was written; the waiter's next transaction goes through.
    await waiter.transaction((tx) => tx.insertInstance(record('third')));
    expect((await waiter.listInstances({ includeTerminated: true, limit: 10, offset: 0 })).items.map((r) => r.id).sort()).toEqual(['first', 'third']);
    await Promise.all([holder.close(), waiter.close()]);
  });

  it('refuses use after close', async () => {
    const store = postgres.store();
    await store.ready();
    await store.close();
    await expect(store.getInstance('a')).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'invalid_state' });
  });
});
