import type Database from 'better-sqlite3';
import { INSTANCE_COLUMNS, messageParams } from './rows.js';
import { APPROVAL_COLUMNS } from '../approvals.js';

export const MESSAGE_COLUMNS = Object.keys(messageParams('', { seq: 0, role: 'user', content: '', at: '' }));

/**
 * Every statement the store runs, prepared once (prepareStatements). Each is a lookup by key or an index range with a bound:
 * none reads every instance (sqlite-store.test.ts reads their query plans).
 */
function sql() {
  const cols = INSTANCE_COLUMNS.join(', ');
  return {
    insertInstance: `INSERT INTO instances (${cols}) VALUES (${INSTANCE_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    getInstance: 'SELECT * FROM instances WHERE id = ?',
    chainOf:
      `WITH RECURSIVE chain(id, level) AS (SELECT ?, 0 UNION ALL SELECT i.parent_id, chain.level + 1 FROM chain JOIN instances i ON i.id = chain.id WHERE i.parent_id IS NOT NULL)
       SELECT instances.* FROM chain JOIN instances ON instances.id = chain.id ORDER BY chain.level`,
    listLive: 'SELECT * FROM instances WHERE live = 1 ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
    listAll: 'SELECT * FROM instances ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
    children: 'SELECT * FROM instances WHERE parent_id = ? ORDER BY rowid',
    childIds: 'SELECT id, parent_id FROM instances WHERE parent_id IN (SELECT value FROM json_each(?)) ORDER BY rowid',
    liveChildren: 'SELECT * FROM instances WHERE parent_id = ? AND live = 1 ORDER BY rowid',
    countLiveChildren: 'SELECT COUNT(*) AS n FROM instances WHERE parent_id = ? AND live = 1',
    inStates: `SELECT * FROM instances WHERE state IN (SELECT value FROM json_each(?)) LIMIT ?`,
    expiredIdle: `SELECT * FROM instances WHERE state = 'idle' AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
    totals: 'SELECT * FROM totals WHERE id = 1',
    counters: 'SELECT metric, label, value FROM counters',
    addHeld: 'UPDATE instances SET held_tokens = held_tokens + ?, held_nanos = held_nanos + ? WHERE id = ?',
    addTotalHeld: 'UPDATE totals SET held_tokens = held_tokens + ?, held_nanos = held_nanos + ? WHERE id = 1',
    chargeOwn:
      `UPDATE instances SET input_tokens = input_tokens + @input, output_tokens = output_tokens + @output,
         cache_creation_input_tokens = cache_creation_input_tokens + @cacheWrite, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens + @cacheWrite1h,
         cache_read_input_tokens = cache_read_input_tokens + @cacheRead,
         cost_nanos = CASE WHEN cost_nanos IS NULL OR @cost IS NULL THEN NULL ELSE cost_nanos + @cost END,
         cache_savings_nanos = CASE WHEN cache_savings_nanos IS NULL OR @savings IS NULL THEN NULL ELSE cache_savings_nanos + @savings END
       WHERE id = @id`,
    chargeSubtree: 'UPDATE instances SET subtree_tokens = subtree_tokens + ?, subtree_cost_nanos = subtree_cost_nanos + ? WHERE id = ?',
    insertHold: 'INSERT INTO holds (id, instance_id, chain, owner, tokens, nanos, created_at) VALUES (@id, @instance_id, @chain, @owner, @tokens, @nanos, @created_at)',
    getHold: 'SELECT * FROM holds WHERE id = ?',
    deleteHold: 'DELETE FROM holds WHERE id = ?',
    holdOwners: 'SELECT DISTINCT owner FROM holds',
    holdsOf: 'SELECT * FROM holds WHERE owner = ? LIMIT ?',
    insertMessage: `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${MESSAGE_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    updateMessage: `UPDATE messages SET ${MESSAGE_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE instance_id = @instance_id AND seq = @seq`,
    maxSeq: 'SELECT COALESCE(MAX(seq), 0) AS n FROM messages WHERE instance_id = ?',
    getMessage: 'SELECT * FROM messages WHERE instance_id = ? AND seq = ?',
    lastMessage: 'SELECT * FROM messages WHERE instance_id = ? ORDER BY seq DESC LIMIT 1',
    countMessages: 'SELECT COUNT(*) AS n FROM messages WHERE instance_id = ?',
    pageMessages: 'SELECT * FROM messages WHERE instance_id = ? ORDER BY seq LIMIT ? OFFSET ?',
    conversation: 'SELECT role, content FROM messages WHERE instance_id = ? AND failed = 0 ORDER BY seq',
    insertEvent:
      'INSERT INTO events (instance_id, seq, at, from_state, to_state, reason, detail) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE instance_id = @id), @at, @from, @to, @reason, @detail)',
    listEvents: 'SELECT * FROM events WHERE instance_id = ? ORDER BY seq',
    acquireLease: 'UPDATE instances SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)',
    renewLease: 'UPDATE instances SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?',
    releaseLease: 'UPDATE instances SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?',
    leaseOf: 'SELECT lease_owner, lease_expires_at FROM instances WHERE id = ?',
    leaseOwners: 'SELECT DISTINCT lease_owner FROM instances WHERE lease_owner IS NOT NULL LIMIT ?',
    leasedBy: 'SELECT id FROM instances WHERE lease_owner = ? AND lease_owner IS NOT NULL LIMIT ?',
    saveTask:
      `INSERT INTO tasks (id, kind, state, label, owner, request, progress, result, error, created_at, finished_at)
       VALUES (@id, @kind, @state, @label, @owner, @request, @progress, @result, @error, @created_at, @finished_at)
       ON CONFLICT(id) DO UPDATE SET state = @state, progress = @progress, result = @result, error = @error, finished_at = @finished_at, owner = @owner`,
    getTask: 'SELECT * FROM tasks WHERE id = ?',
    listTasks: 'SELECT * FROM tasks WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
    countTasks: "SELECT value FROM counters WHERE metric = 'tasks' AND label = ?",
    deleteTasks: "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE finished_at IS NOT NULL AND finished_at < ? AND state != 'working' LIMIT ?)",
    registerOwner: 'INSERT OR REPLACE INTO owners (id, host, pid, process_start, started_at, address, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    getOwner: 'SELECT * FROM owners WHERE id = ?',
    heartbeat: 'UPDATE owners SET heartbeat_at = ? WHERE id = ?',
    listOwners: 'SELECT * FROM owners ORDER BY heartbeat_at DESC LIMIT ?',
    onNode: 'SELECT * FROM instances WHERE node = ? AND live = 1 ORDER BY rowid LIMIT ?',
    endedBefore:
      `SELECT id FROM instances i WHERE live = 0 AND state_changed_at < ?
       AND NOT EXISTS (SELECT 1 FROM instances c WHERE c.parent_id = i.id) LIMIT ?`,
    deleteMessages: 'DELETE FROM messages WHERE instance_id = ?',
    deleteEvents: 'DELETE FROM events WHERE instance_id = ?',
    deleteInstance: 'DELETE FROM instances WHERE id = ?',
    insertApproval: `INSERT INTO approvals (${APPROVAL_COLUMNS.join(', ')}) VALUES (${APPROVAL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    getApproval: 'SELECT * FROM approvals WHERE id = ?',
    pendingApprovals: "SELECT * FROM approvals WHERE state = 'pending' ORDER BY created_at LIMIT ?",
    pendingApprovalsOf: "SELECT * FROM approvals WHERE instance_id = ? AND state = 'pending' ORDER BY created_at LIMIT ?",
    settleApproval: "UPDATE approvals SET state = 'settled', decision = ?, settled_reason = ?, settled_at = ? WHERE id = ? AND state = 'pending'",
    deleteApprovals: "DELETE FROM approvals WHERE id IN (SELECT id FROM approvals WHERE state IN ('pending', 'settled') AND created_at < ? LIMIT ?)",
  };
}

export type Statements = { readonly [K in keyof ReturnType<typeof sql>]: Database.Statement };

export function prepareStatements(db: Database.Database): Statements {
  return Object.fromEntries(Object.entries(sql()).map(([name, text]) => [name, db.prepare(text)])) as Statements;
}
