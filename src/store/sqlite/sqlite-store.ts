import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LIVE_STATES, type ConversationMessage, type InstanceRecord } from '../../domain/instance.js';
import { OrchestratorError } from '../../domain/errors.js';
import type { Owner } from '../owner.js';
import type { Lease, LifecycleEvent, NewMessage, Page, PageRequest, Reservation, Store, StoredTask } from '../store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { INSTANCE_COLUMNS, messageParams, toMessage, toRecord, toRow } from './rows.js';

export interface SqliteStoreOptions {
  /** `synchronous=FULL`: survive power loss, not just a killed process, at some write cost. */
  readonly durable?: boolean;
}

const MESSAGE_COLUMNS = Object.keys(messageParams('', { seq: 0, role: 'user', content: '', at: '' }));
const liveList = LIVE_STATES.map((s) => `'${s}'`).join(',');

/**
 * The embedded store: SQLite in WAL mode. With `synchronous=NORMAL` (the default) a committed write
 * survives `kill -9` of the process; `durable` adds fsync on every commit for power loss. Several
 * processes may open the same file: writes that check-then-act run in immediate transactions.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #insertInstance: Database.Statement;
  readonly #updateInstance: Database.Statement;
  readonly #insertMessage: Database.Statement;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      this.#db = new Database(path);
    } catch (error) {
      throw new OrchestratorError('internal', `Cannot open the store ${path}: ${(error as Error).message}. Check ORCHESTRATOR_DB / WORKSPACE_DIR.`);
    }
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.durable ? 'FULL' : 'NORMAL'}`);
    // Another server writing at the same moment makes us wait briefly instead of failing.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    migrate(this.#db);
    const cols = INSTANCE_COLUMNS.join(', ');
    const params = INSTANCE_COLUMNS.map((c) => `@${c}`).join(', ');
    this.#insertInstance = this.#db.prepare(`INSERT INTO instances (${cols}) VALUES (${params})`);
    this.#updateInstance = this.#db.prepare(`UPDATE instances SET ${INSTANCE_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`);
    this.#insertMessage = this.#db.prepare(`INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${MESSAGE_COLUMNS.map((c) => `@${c}`).join(', ')})`);
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  insertInstance(record: InstanceRecord): void {
    this.#insertInstance.run(toRow(record));
  }

  getInstance(id: string): InstanceRecord | undefined {
    const row: unknown = this.#db.prepare('SELECT * FROM instances WHERE id = ?').get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  updateInstance(id: string, patch: Partial<Omit<InstanceRecord, 'id'>>): InstanceRecord {
    return this.transaction(() => {
      const current = this.getInstance(id);
      if (!current) throw new Error(`instance ${id} is not stored`);
      const next: InstanceRecord = { ...current, ...patch };
      this.#updateInstance.run(toRow(next));
      return next;
    });
  }

  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Page<InstanceRecord> {
    const where = options.includeTerminated ? '' : `WHERE state IN (${liveList})`;
    const total = (this.#db.prepare(`SELECT COUNT(*) AS n FROM instances ${where}`).get() as { n: number }).n;
    const rows = this.#db.prepare(`SELECT * FROM instances ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(options.limit, options.offset);
    return { items: rows.map(toRecord), total };
  }

  allInstances(): readonly InstanceRecord[] {
    return this.#db.prepare('SELECT * FROM instances ORDER BY rowid').all().map(toRecord);
  }

  childrenOf(id: string): readonly InstanceRecord[] {
    return this.#db.prepare('SELECT * FROM instances WHERE parent_id = ? ORDER BY rowid').all(id).map(toRecord);
  }

  appendMessage(instanceId: string, message: NewMessage): ConversationMessage {
    return this.transaction(() => {
      const { n } = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM messages WHERE instance_id = ?').get(instanceId) as { n: number };
      const stored: ConversationMessage = { ...message, seq: n + 1 };
      this.#insertMessage.run(messageParams(instanceId, stored));
      return stored;
    });
  }

  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): void {
    this.transaction(() => {
      const row: unknown = this.#db.prepare('SELECT * FROM messages WHERE instance_id = ? AND seq = ?').get(instanceId, seq);
      if (row === undefined) throw new Error(`message ${seq} of ${instanceId} is not stored`);
      const next = messageParams(instanceId, { ...toMessage(row), ...patch, seq });
      this.#db.prepare(`UPDATE messages SET ${MESSAGE_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE instance_id = @instance_id AND seq = @seq`).run(next);
    });
  }

  listMessages(instanceId: string, page: PageRequest): Page<ConversationMessage> {
    const { n } = this.#db.prepare('SELECT COUNT(*) AS n FROM messages WHERE instance_id = ?').get(instanceId) as { n: number };
    const rows = this.#db.prepare('SELECT * FROM messages WHERE instance_id = ? ORDER BY seq LIMIT ? OFFSET ?').all(instanceId, page.limit, page.offset);
    return { items: rows.map(toMessage), total: n };
  }

  allMessages(instanceId: string): readonly ConversationMessage[] {
    return this.#db.prepare('SELECT * FROM messages WHERE instance_id = ? ORDER BY seq').all(instanceId).map(toMessage);
  }

  appendEvent(event: LifecycleEvent): void {
    this.#db
      .prepare('INSERT INTO events (instance_id, at, from_state, to_state, reason, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(event.instanceId, event.at, event.from, event.to, event.reason, event.detail ?? null);
  }

  listEvents(instanceId: string): readonly LifecycleEvent[] {
    const rows = this.#db.prepare('SELECT * FROM events WHERE instance_id = ? ORDER BY rowid').all(instanceId) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      instanceId: String(r['instance_id']),
      at: String(r['at']),
      from: (r['from_state'] ?? null) as LifecycleEvent['from'],
      to: r['to_state'] as LifecycleEvent['to'],
      reason: r['reason'] as LifecycleEvent['reason'],
      ...(r['detail'] !== null && r['detail'] !== undefined ? { detail: r['detail'] } : {}),
    }));
  }

  transaction<T>(fn: () => T): T {
    // Nested calls join the outer transaction; the outermost takes the write lock up front (IMMEDIATE),
    // so two servers can't both read "free" and then both write.
    if (this.#db.inTransaction) return fn();
    return this.#db.transaction(fn).immediate();
  }

  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    const result = this.#db
      .prepare('UPDATE instances SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)')
      .run(owner, nowMs + ttlMs, instanceId, owner, nowMs);
    return result.changes === 1;
  }

  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    return this.#db.prepare('UPDATE instances SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?').run(nowMs + ttlMs, instanceId, owner).changes === 1;
  }

  releaseLease(instanceId: string, owner: string): void {
    this.#db.prepare('UPDATE instances SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?').run(instanceId, owner);
  }

  leaseOf(instanceId: string): Lease | null {
    const row = this.#db.prepare('SELECT lease_owner, lease_expires_at FROM instances WHERE id = ?').get(instanceId) as { lease_owner: string | null; lease_expires_at: number | null } | undefined;
    return row?.lease_owner ? { owner: row.lease_owner, expiresAt: row.lease_expires_at ?? 0 } : null;
  }

  addReservation(r: Reservation): void {
    this.#db.prepare('INSERT INTO reservations (id, instance_id, owner, tokens, nanos, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(r.id, r.instanceId, r.owner, r.tokens, r.nanos, r.createdAt);
  }

  removeReservation(id: string): void {
    this.#db.prepare('DELETE FROM reservations WHERE id = ?').run(id);
  }

  listReservations(): readonly Reservation[] {
    const rows = this.#db.prepare('SELECT * FROM reservations').all() as Array<{ id: string; instance_id: string; owner: string; tokens: number; nanos: number; created_at: number }>;
    return rows.map((r) => ({ id: r.id, instanceId: r.instance_id, owner: r.owner, tokens: r.tokens, nanos: r.nanos, createdAt: r.created_at }));
  }

  saveTask(t: StoredTask): void {
    this.#db
      .prepare(
        `INSERT INTO tasks (id, kind, state, label, owner, request, progress, result, error, created_at, finished_at)
         VALUES (@id, @kind, @state, @label, @owner, @request, @progress, @result, @error, @created_at, @finished_at)
         ON CONFLICT(id) DO UPDATE SET state = @state, progress = @progress, result = @result, error = @error, finished_at = @finished_at, owner = @owner`,
      )
      .run({
        id: t.id,
        kind: t.kind,
        state: t.state,
        label: t.label,
        owner: t.owner,
        request: JSON.stringify(t.request ?? null),
        progress: JSON.stringify(t.progress ?? null),
        result: t.result === undefined ? null : JSON.stringify(t.result),
        error: t.error === undefined ? null : JSON.stringify(t.error),
        created_at: t.createdAt,
        finished_at: t.finishedAt,
      });
  }

  getTask(id: string): StoredTask | undefined {
    const row = this.#db.prepare('SELECT * FROM tasks WHERE id = ?').get(id);
    return row === undefined ? undefined : toTask(row as TaskRow);
  }

  listTasks(state: string): readonly StoredTask[] {
    return (this.#db.prepare('SELECT * FROM tasks WHERE state = ?').all(state) as TaskRow[]).map(toTask);
  }

  registerOwner(o: Owner): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO owners (id, host, pid, process_start, started_at) VALUES (?, ?, ?, ?, ?)')
      .run(o.id, o.host, o.pid, o.processStart, o.startedAt);
  }

  getOwner(id: string): Owner | undefined {
    const r = this.#db.prepare('SELECT * FROM owners WHERE id = ?').get(id) as { id: string; host: string; pid: number; process_start: string; started_at: string } | undefined;
    return r ? { id: r.id, host: r.host, pid: r.pid, processStart: r.process_start, startedAt: r.started_at } : undefined;
  }

  deleteEndedBefore(beforeIso: string): number {
    return this.transaction(() => {
      const ids = (
        this.#db
          .prepare(
            `SELECT id FROM instances i WHERE state IN ('terminated','failed') AND state_changed_at < ?
             AND NOT EXISTS (SELECT 1 FROM instances c WHERE c.parent_id = i.id)`,
          )
          .all(beforeIso) as Array<{ id: string }>
      ).map((r) => r.id);
      for (const id of ids) {
        this.#db.prepare('DELETE FROM messages WHERE instance_id = ?').run(id);
        this.#db.prepare('DELETE FROM events WHERE instance_id = ?').run(id);
        this.#db.prepare('DELETE FROM reservations WHERE instance_id = ?').run(id);
        this.#db.prepare('DELETE FROM instances WHERE id = ?').run(id);
      }
      return ids.length;
    });
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

interface TaskRow {
  id: string;
  kind: string;
  state: string;
  label: string;
  owner: string;
  request: string;
  progress: string;
  result: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

function toTask(r: TaskRow): StoredTask {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    label: r.label,
    owner: r.owner,
    request: JSON.parse(r.request) as unknown,
    progress: JSON.parse(r.progress) as unknown,
    result: r.result === null ? undefined : (JSON.parse(r.result) as unknown),
    error: r.error === null ? undefined : (JSON.parse(r.error) as unknown),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
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
