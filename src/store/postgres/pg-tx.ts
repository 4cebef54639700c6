import type { ConversationMessage, InstanceRecord } from '../../domain/instance.js';
import { totalTokens } from '../../domain/usage.js';
import type { Owner } from '../owner.js';
import { APPROVAL_COLUMNS, approvalRow, toApproval, type ApprovalRow, type ApprovalSettlement, type StoredApproval } from '../approvals.js';
import type { Charge, Hold, InstancePatch, LifecycleEvent, NewMessage, StoredTask, Tx } from '../store.js';
import { INSTANCE_COLUMNS, UPDATABLE_COLUMNS, messageParams, toMessage, toRow } from '../sqlite/rows.js';
import { taskParams, toHold, type HoldRow } from '../sqlite/task-rows.js';
import { PgReads, type Query } from './pg-reads.js';

const MESSAGE_COLUMNS = Object.keys(messageParams('', { seq: 0, role: 'user', content: '', at: '' }));
const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
const INSERT_INSTANCE = `INSERT INTO instances (${INSTANCE_COLUMNS.join(', ')}) VALUES (${placeholders(INSTANCE_COLUMNS.length)})`;
/** Every message column but seq, instance_id first ($1); seq is numbered in the statement itself. */
const APPEND_COLUMNS = MESSAGE_COLUMNS.filter((c) => c !== 'seq');
const APPEND_MESSAGE = `INSERT INTO messages (seq, ${APPEND_COLUMNS.join(', ')})
  VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE instance_id = $1), ${placeholders(APPEND_COLUMNS.length)}) RETURNING seq`;
const UPDATE_MESSAGE = `UPDATE messages SET ${MESSAGE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE instance_id = $1 AND seq = $2`;

/**
 * One open PostgreSQL transaction on its own connection. The store took the write lock before handing it out
 * (postgres-store.ts), so a check read here and the write that follows it hold against every other node.
 */
export class PgTx extends PgReads implements Tx {
  readonly #onCommit: Array<() => void> = [];
  #open = true;

  constructor(query: Query) {
    super((text, values) =>
      // A transaction's object must not outlive it: a late write would land outside any transaction.
      this.#open ? query(text, values) : Promise.reject(new Error('store transaction used after it ended')),
    );
  }

  /** Ends the transaction's life; returns the callbacks to run once it committed. */
  end(): ReadonlyArray<() => void> {
    this.#open = false;
    return this.#onCommit;
  }

  onCommit(callback: () => void): void {
    this.#onCommit.push(callback);
  }

  async insertInstance(record: InstanceRecord): Promise<void> {
    const row = toRow(record) as unknown as Record<string, unknown>;
    await this.query(INSERT_INSTANCE, INSTANCE_COLUMNS.map((c) => row[c]));
  }

  async updateInstance(id: string, patch: InstancePatch): Promise<InstanceRecord> {
    const current = await this.getInstance(id);
    if (!current) throw new Error(`instance ${id} is not stored`);
    return this.patchInstance(current, patch);
  }

  /** Writes only the columns the patch changes, as the SQLite store does. */
  async patchInstance(current: InstanceRecord, patch: InstancePatch): Promise<InstanceRecord> {
    const next: InstanceRecord = { ...current, ...patch };
    const before = toRow(current) as unknown as Record<string, unknown>;
    const after = toRow(next) as unknown as Record<string, unknown>;
    const columns = UPDATABLE_COLUMNS.filter((c) => after[c] !== before[c]);
    if (columns.length === 0) return next;
    const sets = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
    const { rowCount } = await this.query(`UPDATE instances SET ${sets} WHERE id = $1`, [current.id, ...columns.map((c) => after[c])]);
    if (rowCount !== 1) throw new Error(`instance ${current.id} is not stored`);
    return next;
  }

  async appendMessage(instanceId: string, message: NewMessage): Promise<ConversationMessage> {
    // The next number and the row in one round trip; the write lock makes MAX(seq) + 1 safe.
    const params = messageParams(instanceId, { ...message, seq: 0 });
    const { rows } = await this.query(APPEND_MESSAGE, APPEND_COLUMNS.map((c) => params[c]));
    return { ...message, seq: Number(rows[0]?.['seq']) };
  }

  async updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): Promise<void> {
    const { rows } = await this.query('SELECT * FROM messages WHERE instance_id = $1 AND seq = $2', [instanceId, seq]);
    if (rows[0] === undefined) throw new Error(`message ${seq} of ${instanceId} is not stored`);
    const params = messageParams(instanceId, { ...toMessage(rows[0]), ...patch, seq });
    // instance_id and seq come first in MESSAGE_COLUMNS: they are $1 and $2, the key of the WHERE clause.
    await this.query(UPDATE_MESSAGE, MESSAGE_COLUMNS.map((c) => params[c]));
  }

  async appendEvent(event: LifecycleEvent): Promise<void> {
    await this.query(
      `INSERT INTO events (instance_id, seq, at, from_state, to_state, reason, detail)
       VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE instance_id = $1), $2, $3, $4, $5, $6)`,
      [event.instanceId, event.at, event.from, event.to, event.reason, event.detail ?? null],
    );
  }

  async acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.query(
      'UPDATE instances SET lease_owner = $1, lease_expires_at = $2 WHERE id = $3 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_expires_at <= $4)',
      [owner, nowMs + ttlMs, instanceId, nowMs],
    );
    return rowCount === 1;
  }

  async renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.query('UPDATE instances SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3', [nowMs + ttlMs, instanceId, owner]);
    return rowCount === 1;
  }

  async releaseLease(instanceId: string, owner: string): Promise<void> {
    await this.query('UPDATE instances SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2', [instanceId, owner]);
  }

  async addHold(hold: Hold): Promise<void> {
    await this.query('INSERT INTO holds (id, instance_id, chain, owner, tokens, nanos, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      hold.id,
      hold.instanceId,
      JSON.stringify(hold.chain),
      hold.owner,
      hold.tokens,
      hold.nanos,
      hold.createdAt,
    ]);
    await this.#shiftHeld(hold, 1);
  }

  async removeHold(id: string): Promise<Hold | undefined> {
    const { rows } = await this.query('DELETE FROM holds WHERE id = $1 RETURNING *', [id]);
    if (rows[0] === undefined) return undefined;
    const hold = toHold(rows[0] as unknown as HoldRow);
    await this.#shiftHeld(hold, -1);
    return hold;
  }

  /** Adds (or takes back) a hold's amounts on every instance of its chain and on the totals, in one statement. */
  async #shiftHeld(hold: Hold, sign: 1 | -1): Promise<void> {
    await this.query(
      `WITH chain AS (UPDATE instances SET held_tokens = held_tokens + $1, held_nanos = held_nanos + $2 WHERE id = ANY($3::text[]))
       UPDATE totals SET held_tokens = held_tokens + $1, held_nanos = held_nanos + $2 WHERE id = 1`,
      [sign * hold.tokens, sign * hold.nanos, hold.chain],
    );
  }

  /**
   * The call's usage and cost on its instance, and its tokens and cost on the subtree spend of every instance of
   * the chain, in one statement (one row can't be updated twice in a statement: hence the CASEs).
   */
  async charge(c: Charge): Promise<void> {
    const u = c.usage;
    const own = (column: string, param: string) => `${column} = CASE WHEN id = $1 THEN ${column} + ${param} ELSE ${column} END`;
    await this.query(
      `UPDATE instances SET ${own('input_tokens', '$2')}, ${own('output_tokens', '$3')}, ${own('cache_creation_input_tokens', '$4')},
         ${own('cache_creation_1h_input_tokens', '$5')}, ${own('cache_read_input_tokens', '$6')},
         cost_nanos = CASE WHEN id <> $1 THEN cost_nanos WHEN cost_nanos IS NULL OR $7::bigint IS NULL THEN NULL ELSE cost_nanos + $7::bigint END,
         cache_savings_nanos = CASE WHEN id <> $1 THEN cache_savings_nanos WHEN cache_savings_nanos IS NULL OR $8::bigint IS NULL THEN NULL ELSE cache_savings_nanos + $8::bigint END,
         subtree_tokens = CASE WHEN id = ANY($9::text[]) THEN subtree_tokens + $10 ELSE subtree_tokens END,
         subtree_cost_nanos = CASE WHEN id = ANY($9::text[]) THEN subtree_cost_nanos + $11 ELSE subtree_cost_nanos END
       WHERE id = $1 OR id = ANY($9::text[])`,
      [c.instanceId, u.inputTokens, u.outputTokens, u.cacheCreationInputTokens, u.cacheCreation1hInputTokens, u.cacheReadInputTokens, c.costNanos, c.cacheSavingsNanos, c.chain, totalTokens(u), c.costNanos ?? 0],
    );
  }

  async saveTask(task: StoredTask): Promise<void> {
    const t = taskParams(task);
    await this.query(
      `INSERT INTO tasks (id, kind, state, label, owner, request, progress, result, error, created_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, progress = EXCLUDED.progress, result = EXCLUDED.result, error = EXCLUDED.error,
         finished_at = EXCLUDED.finished_at, owner = EXCLUDED.owner`,
      [t.id, t.kind, t.state, t.label, t.owner, t.request, t.progress, t.result, t.error, t.created_at, t.finished_at],
    );
  }

  async registerOwner(owner: Owner): Promise<void> {
    await this.query(
      `INSERT INTO owners (id, host, pid, process_start, started_at, address, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, process_start = EXCLUDED.process_start, started_at = EXCLUDED.started_at,
         address = EXCLUDED.address, heartbeat_at = EXCLUDED.heartbeat_at`,
      [owner.id, owner.host, owner.pid, owner.processStart, owner.startedAt, owner.address, owner.heartbeatAt],
    );
  }

  async heartbeat(ownerId: string, atIso: string): Promise<void> {
    await this.query('UPDATE owners SET heartbeat_at = $2 WHERE id = $1', [ownerId, atIso]);
  }

  async deleteEndedBefore(beforeIso: string, limit: number): Promise<number> {
    const { rows } = await this.query(
      // Oldest first, along the partial index of ended instances (instances_ended), skipping those with children.
      `SELECT id FROM instances i WHERE live = 0 AND state_changed_at < $1 AND NOT EXISTS (SELECT 1 FROM instances c WHERE c.parent_id = i.id)
       ORDER BY state_changed_at LIMIT $2`,
      [beforeIso, limit],
    );
    const ids = rows.map((r) => String(r['id']));
    if (ids.length === 0) return 0;
    await this.query('DELETE FROM messages WHERE instance_id = ANY($1::text[])', [ids]);
    await this.query('DELETE FROM events WHERE instance_id = ANY($1::text[])', [ids]);
    await this.query('DELETE FROM instances WHERE id = ANY($1::text[])', [ids]);
    return ids.length;
  }

  async addApproval(approval: StoredApproval): Promise<void> {
    const row = approvalRow(approval);
    await this.query(`INSERT INTO approvals (${APPROVAL_COLUMNS.join(', ')}) VALUES (${placeholders(APPROVAL_COLUMNS.length)})`, APPROVAL_COLUMNS.map((c) => row[c]));
  }

  async settleApproval(id: string, s: ApprovalSettlement): Promise<StoredApproval | undefined> {
    const { rows } = await this.query(
      `UPDATE approvals SET state = 'settled', decision = $1, settled_reason = $2, settled_at = $3 WHERE id = $4 AND state = 'pending' RETURNING *`,
      [s.decision, s.reason, s.atIso, id],
    );
    return rows[0] === undefined ? undefined : toApproval(rows[0] as unknown as ApprovalRow);
  }

  async deleteApprovalsBefore(beforeIso: string, limit: number): Promise<number> {
    const { rowCount } = await this.query(
      `DELETE FROM approvals WHERE id = ANY(ARRAY(SELECT id FROM approvals WHERE state IN ('pending', 'settled') AND created_at < $1 LIMIT $2))`,
      [beforeIso, limit],
    );
    return rowCount ?? 0;
  }

  async deleteTasksFinishedBefore(beforeIso: string, limit: number): Promise<number> {
    const { rowCount } = await this.query(
      // The batch's ids first (the finished_at index), then each deleted by its key: never a join over every task.
      `DELETE FROM tasks WHERE id = ANY(ARRAY(SELECT id FROM tasks WHERE finished_at IS NOT NULL AND finished_at < $1 AND state != 'working' LIMIT $2))`,
      [beforeIso, limit],
    );
    return rowCount ?? 0;
  }
}
