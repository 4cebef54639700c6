import { LIVE_STATES, type ConversationMessage, type InstanceRecord, type InstanceState } from '../../domain/instance.js';
import type { Owner } from '../owner.js';
import { toApproval, type ApprovalRow, type StoredApproval } from '../approvals.js';
import type { Hold, Lease, LifecycleEvent, Page, PageRequest, StoreCounters, StoreReads, StoreTotals, StoredTask } from '../store.js';
import { toCounters, toTotals, type CounterRow } from '../sqlite/counter-rows.js';
import { toMessage, toRecord, toTurnMessage } from '../sqlite/rows.js';
import { toHold, toOwner, toTask, type HoldRow, type OwnerRow, type TaskRow } from '../sqlite/task-rows.js';

/** Runs one SQL statement with positional parameters ($1, $2, …): on the pool, or on a transaction's connection. */
export type Query = (text: string, values?: readonly unknown[]) => Promise<{ readonly rows: Array<Record<string, unknown>>; readonly rowCount: number | null }>;

/**
 * The reads of the PostgreSQL store, for the store (on the pool: any connection, committed data) and for a
 * transaction (on its own connection). Each is a lookup by key or an index range with a bound, as in SQLite:
 * none reads every instance. Rows are checked by the same schemas as SQLite's (sqlite/rows.ts).
 */
export class PgReads implements StoreReads {
  constructor(protected readonly query: Query) {}

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const { rows } = await this.query('SELECT * FROM instances WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async chainOf(id: string): Promise<readonly InstanceRecord[]> {
    const { rows } = await this.query(
      `WITH RECURSIVE chain(id, level) AS (SELECT $1::text, 0 UNION ALL SELECT i.parent_id, chain.level + 1 FROM chain JOIN instances i ON i.id = chain.id WHERE i.parent_id IS NOT NULL)
       SELECT instances.* FROM chain JOIN instances ON instances.id = chain.id ORDER BY chain.level`,
      [id],
    );
    return rows.map(toRecord);
  }

  async listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Promise<Page<InstanceRecord>> {
    const where = options.includeTerminated ? '' : 'WHERE live = 1';
    const [page, totals] = await Promise.all([
      this.query(`SELECT * FROM instances ${where} ORDER BY created_at DESC, row_seq DESC LIMIT $1 OFFSET $2`, [options.limit, options.offset]),
      this.totals(),
    ]);
    return { items: page.rows.map(toRecord), total: options.includeTerminated ? totals.instances : totals.live };
  }

  async childIds(parentIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    const result = new Map<string, string[]>(parentIds.map((id) => [id, []]));
    if (parentIds.length === 0) return result;
    const { rows } = await this.query('SELECT id, parent_id FROM instances WHERE parent_id = ANY($1::text[]) ORDER BY row_seq', [parentIds]);
    for (const row of rows) result.get(String(row['parent_id']))?.push(String(row['id']));
    return result;
  }

  async childrenOf(id: string, options: { readonly liveOnly?: boolean } = {}): Promise<readonly InstanceRecord[]> {
    const live = options.liveOnly ? 'AND live = 1' : '';
    const { rows } = await this.query(`SELECT * FROM instances WHERE parent_id = $1 ${live} ORDER BY row_seq`, [id]);
    return rows.map(toRecord);
  }

  async countLiveChildren(id: string): Promise<number> {
    const { rows } = await this.query('SELECT COUNT(*) AS n FROM instances WHERE parent_id = $1 AND live = 1', [id]);
    return Number(rows[0]?.['n'] ?? 0);
  }

  async instancesInStates(states: readonly InstanceState[], limit: number): Promise<readonly InstanceRecord[]> {
    const live = states.filter((s) => LIVE_STATES.includes(s));
    const { rows } = await this.query('SELECT * FROM instances WHERE state = ANY($1::text[]) LIMIT $2', [live, limit]);
    return rows.map(toRecord);
  }

  async expiredIdle(nowMs: number, limit: number): Promise<readonly InstanceRecord[]> {
    const { rows } = await this.query(`SELECT * FROM instances WHERE state = 'idle' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`, [nowMs, limit]);
    return rows.map(toRecord);
  }

  async totals(): Promise<StoreTotals> {
    const { rows } = await this.query('SELECT * FROM totals WHERE id = 1');
    return toTotals(rows[0]);
  }

  async counters(): Promise<StoreCounters> {
    const { rows } = await this.query('SELECT metric, label, value FROM counters');
    return toCounters(rows as unknown as CounterRow[]);
  }

  async listMessages(instanceId: string, page: PageRequest): Promise<Page<ConversationMessage>> {
    const [count, items] = await Promise.all([
      this.query('SELECT COUNT(*) AS n FROM messages WHERE instance_id = $1', [instanceId]),
      this.query('SELECT * FROM messages WHERE instance_id = $1 ORDER BY seq LIMIT $2 OFFSET $3', [instanceId, page.limit, page.offset]),
    ]);
    return { items: items.rows.map(toMessage), total: Number(count.rows[0]?.['n'] ?? 0) };
  }

  async conversation(instanceId: string): Promise<ReadonlyArray<Pick<ConversationMessage, 'role' | 'content'>>> {
    const { rows } = await this.query('SELECT role, content FROM messages WHERE instance_id = $1 AND failed = 0 ORDER BY seq', [instanceId]);
    return rows.map((r) => toTurnMessage({ role: r['role'], content: r['content'] }));
  }

  async lastMessage(instanceId: string): Promise<ConversationMessage | undefined> {
    const { rows } = await this.query('SELECT * FROM messages WHERE instance_id = $1 ORDER BY seq DESC LIMIT 1', [instanceId]);
    return rows[0] === undefined ? undefined : toMessage(rows[0]);
  }

  async listEvents(instanceId: string): Promise<readonly LifecycleEvent[]> {
    const { rows } = await this.query('SELECT * FROM events WHERE instance_id = $1 ORDER BY seq', [instanceId]);
    return rows.map((r) => ({
      instanceId: String(r['instance_id']),
      at: String(r['at']),
      from: (r['from_state'] ?? null) as LifecycleEvent['from'],
      to: r['to_state'] as LifecycleEvent['to'],
      reason: r['reason'] as LifecycleEvent['reason'],
      ...(r['detail'] !== null && r['detail'] !== undefined ? { detail: String(r['detail']) } : {}),
    }));
  }

  async leaseOf(instanceId: string): Promise<Lease | null> {
    const { rows } = await this.query('SELECT lease_owner, lease_expires_at FROM instances WHERE id = $1', [instanceId]);
    const row = rows[0];
    return row?.['lease_owner'] ? { owner: String(row['lease_owner']), expiresAt: Number(row['lease_expires_at'] ?? 0) } : null;
  }

  async leaseOwners(limit: number): Promise<readonly string[]> {
    const { rows } = await this.query('SELECT DISTINCT lease_owner FROM instances WHERE lease_owner IS NOT NULL LIMIT $1', [limit]);
    return rows.map((r) => String(r['lease_owner']));
  }

  async leasedBy(owner: string, limit: number): Promise<readonly string[]> {
    const { rows } = await this.query('SELECT id FROM instances WHERE lease_owner = $1 AND lease_owner IS NOT NULL LIMIT $2', [owner, limit]);
    return rows.map((r) => String(r['id']));
  }

  async getHold(id: string): Promise<Hold | undefined> {
    const { rows } = await this.query('SELECT * FROM holds WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toHold(rows[0] as unknown as HoldRow);
  }

  async holdOwners(): Promise<readonly string[]> {
    const { rows } = await this.query('SELECT DISTINCT owner FROM holds');
    return rows.map((r) => String(r['owner']));
  }

  async holdsOf(owner: string, limit: number): Promise<readonly Hold[]> {
    const { rows } = await this.query('SELECT * FROM holds WHERE owner = $1 LIMIT $2', [owner, limit]);
    return rows.map((r) => toHold(r as unknown as HoldRow));
  }

  async getTask(id: string): Promise<StoredTask | undefined> {
    const { rows } = await this.query('SELECT * FROM tasks WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toTask(rows[0] as unknown as TaskRow);
  }

  async listTasks(state: string, limit: number): Promise<readonly StoredTask[]> {
    const { rows } = await this.query('SELECT * FROM tasks WHERE state = $1 ORDER BY created_at DESC, row_seq DESC LIMIT $2', [state, limit]);
    return rows.map((r) => toTask(r as unknown as TaskRow));
  }

  async countTasks(state: string): Promise<number> {
    const { rows } = await this.query(`SELECT value FROM counters WHERE metric = 'tasks' AND label = $1`, [state]);
    return Number(rows[0]?.['value'] ?? 0);
  }

  async getOwner(id: string): Promise<Owner | undefined> {
    const { rows } = await this.query('SELECT * FROM owners WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toOwner(rows[0] as unknown as OwnerRow);
  }

  async instancesOnNode(node: string, limit: number): Promise<readonly InstanceRecord[]> {
    const { rows } = await this.query('SELECT * FROM instances WHERE node = $1 AND live = 1 ORDER BY row_seq LIMIT $2', [node, limit]);
    return rows.map(toRecord);
  }

  async listOwners(limit: number): Promise<readonly Owner[]> {
    const { rows } = await this.query('SELECT * FROM owners ORDER BY heartbeat_at DESC LIMIT $1', [limit]);
    return rows.map((r) => toOwner(r as unknown as OwnerRow));
  }

  async getApproval(id: string): Promise<StoredApproval | undefined> {
    const { rows } = await this.query('SELECT * FROM approvals WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toApproval(rows[0] as unknown as ApprovalRow);
  }

  async pendingApprovals(options: { readonly instanceId?: string; readonly limit: number }): Promise<readonly StoredApproval[]> {
    const { rows } =
      options.instanceId === undefined
        ? await this.query(`SELECT * FROM approvals WHERE state = 'pending' ORDER BY created_at LIMIT $1`, [options.limit])
        : await this.query(`SELECT * FROM approvals WHERE instance_id = $1 AND state = 'pending' ORDER BY created_at LIMIT $2`, [options.instanceId, options.limit]);
    return rows.map((r) => toApproval(r as unknown as ApprovalRow));
  }
}
