import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { record } from '../../test-support/records.js';
import { SCHEMA_VERSION } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'sqlite-')), 'nested', 'orchestrator.db');

/** Every frozen fixture of an older schema, by version. Add one with each new migration. */
const FIXTURES = [1];

describe('SqliteStore', () => {
  it.each(FIXTURES)('opens a frozen version-%i database and migrates it without losing anything', (version) => {
    const raw = new Database(join(mkdtempSync(join(tmpdir(), 'fx-')), 'fixture.db'));
    raw.exec(readFileSync(new URL(`./fixtures/v${version}.sql`, import.meta.url), 'utf8'));
    expect(raw.pragma('user_version', { simple: true })).toBe(version);
    raw.close();
    const fixtureFile = raw.name;

    const store = new SqliteStore(fixtureFile);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    const a = store.getInstance('inst_0123456789abcdef0123456789abcdef');
    expect(a).toMatchObject({ name: 'React Dev', role: 'frontend_developer', depth: 0, allowDelegation: false, turns: 2, costNanos: 465000, consecutiveFailures: 0, backendState: null });
    expect(a?.usage).toEqual({ inputTokens: 230, outputTokens: 50, cacheCreationInputTokens: 0, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 50 });
    const messages = store.allMessages('inst_0123456789abcdef0123456789abcdef');
    expect(messages.map((m) => `${m.seq}:${m.role}:${m.content}`)).toEqual(['1:user:Build a navbar', '2:assistant:Here is a navbar.', '3:user:Add a dropdown', '4:assistant:Dropdown added.']);
    expect(messages[3]?.usage?.cacheReadInputTokens).toBe(50);
    expect(store.allMessages('inst_fedcba9876543210fedcba9876543210')[0]).toMatchObject({ failed: true, error: 'API down (529)' });
    expect(store.getInstance('inst_fedcba9876543210fedcba9876543210')).toMatchObject({ state: 'terminated', stateReason: 'limit:tokens', keepWorkspace: true, limits: { maxCostNanos: 1_000_000_000 } });
    expect(store.listEvents('inst_0123456789abcdef0123456789abcdef')).toHaveLength(2);
    // The migrated store takes the new features at once.
    store.appendMessage('inst_0123456789abcdef0123456789abcdef', { role: 'user', content: 'more', at: 'now', retries: 1 });
    expect(store.acquireLease('inst_0123456789abcdef0123456789abcdef', 'me', 0, 10)).toBe(true);
    store.close();
  });

  it('refuses a database from a newer version, saying what to do', () => {
    const path = dbPath();
    new SqliteStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/newer claude-orchestrator/);
  });

  it('keeps what was written across reopening, in WAL mode', () => {
    const path = dbPath();
    const first = new SqliteStore(path);
    first.insertInstance(record('inst_a'));
    first.appendMessage('inst_a', { role: 'user', content: 'kept', at: 'now' });
    first.close();
    const second = new SqliteStore(path, { durable: true });
    expect(second.allMessages('inst_a').map((m) => m.content)).toEqual(['kept']);
    second.close();
  });

  it('lets two connections to one file share leases: only one holds a turn', () => {
    const path = dbPath();
    const one = new SqliteStore(path);
    const two = new SqliteStore(path);
    one.insertInstance(record('inst_a'));
    expect(one.acquireLease('inst_a', 'server-1', 1000, 30_000)).toBe(true);
    expect(two.acquireLease('inst_a', 'server-2', 1001, 30_000)).toBe(false);
    expect(two.getInstance('inst_a')?.name).toBe('inst_a');
    one.releaseLease('inst_a', 'server-1');
    expect(two.acquireLease('inst_a', 'server-2', 1002, 30_000)).toBe(true);
    one.close();
    two.close();
  });
});
