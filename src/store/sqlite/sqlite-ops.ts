import type Database from 'better-sqlite3';
import { LIVE_STATES, type ConversationMessage, type InstanceRecord, type InstanceState } from '../../domain/instance.js';
import { totalTokens } from '../../domain/usage.js';
import type { Owner } from '../owner.js';
import { approvalRow, toApproval, type ApprovalRow, type ApprovalSettlement, type StoredApproval } from '../approvals.js';
import type { Charge, Hold, InstancePatch, Lease, LifecycleEvent, NewMessage, Page, PageRequest, StoreCounters, StoreTotals, StoredTask } from '../store.js';
import { toCounters, toTotals, type CounterRow } from './counter-rows.js';
import { UPDATABLE_COLUMNS, messageParams, toMessage, toRecord, toRow, toTurnMessage } from './rows.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { taskParams, toHold, toOwner, toTask, type HoldRow, type OwnerRow, type TaskRow } from './task-rows.js';

/** The store's operations, run synchronously (better-sqlite3) on statements prepared once; the async Store and Tx wrap these. */
export class SqliteOps {
  readonly #db: Database.Database;
  readonly #s: Statements;
  /** UPDATE statements by the columns they set. */
  readonly #patches = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = prepareStatements(db);
  }

  getInstance(id: string): InstanceRecord | undefined {
    const row: unknown = this.#s.getInstance.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  chainOf(id: string): InstanceRecord[] {
    return this.#s.chainOf.all(id).map(toRecord);
  }

  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Page<InstanceRecord> {
    const statement = options.includeTerminated ? this.#s.listAll : this.#s.listLive;
    const totals = this.totals();
    return { items: statement.all(options.limit, options.offset).map(toRecord), total: options.includeTerminated ? totals.instances : totals.live };
  }

  childIds(parentIds: readonly string[]): Map<string, string[]> {
    const result = new Map<string, string[]>(parentIds.map((id) => [id, []]));
    if (parentIds.length === 0) return result;
    for (const row of this.#s.childIds.all(JSON.stringify(parentIds)) as Array<{ id: string; parent_id: string }>) result.get(row.parent_id)?.push(row.id);
    return result;
  }

  childrenOf(id: string, liveOnly: boolean): InstanceRecord[] {
    return (liveOnly ? this.#s.liveChildren : this.#s.children).all(id).map(toRecord);
  }

  countLiveChildren(id: string): number {
    return (this.#s.countLiveChildren.get(id) as { n: number }).n;
  }

  instancesInStates(states: readonly InstanceState[], limit: number): InstanceRecord[] {
    return this.#s.inStates.all(JSON.stringify(states.filter((s) => LIVE_STATES.includes(s))), limit).map(toRecord);
  }

  expiredIdle(nowMs: number, limit: number): InstanceRecord[] {
    return this.#s.expiredIdle.all(nowMs, limit).map(toRecord);
  }

  totals(): StoreTotals {
    return toTotals(this.#s.totals.get() as Record<string, unknown> | undefined);
  }

  counters(): StoreCounters {
    return toCounters(this.#s.counters.all() as CounterRow[]);
  }

  insertInstance(record: InstanceRecord): void {
    this.#s.insertInstance.run(toRow(record));
  }

  updateInstance(id: string, patch: InstancePatch): InstanceRecord {
    const current = this.getInstance(id);
    if (!current) throw new Error(`instance ${id} is not stored`);
    return this.patchInstance(current, patch);
  }

  /**
   * Writes only the columns the patch changes (a state change touches its two indexes, not all five), with
   * one prepared statement per set of columns.
   */
  patchInstance(current: InstanceRecord, patch: InstancePatch): InstanceRecord {
    const next: InstanceRecord = { ...current, ...patch };
    const before = toRow(current) as unknown as Record<string, unknown>;
    const after = toRow(next) as unknown as Record<string, unknown>;
    const columns = UPDATABLE_COLUMNS.filter((c) => after[c] !== before[c]);
    if (columns.length === 0) return next;
    const key = columns.join(',');
    let statement = this.#patches.get(key);
    if (!statement) {
      statement = this.#db.prepare(`UPDATE instances SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`);
      this.#patches.set(key, statement);
    }
    const changes = statement.run(Object.fromEntries(['id', ...columns].map((c) => [c, after[c]]))).changes;
    if (changes !== 1) throw new Error(`instance ${current.id} is not stored`);
    return next;
  }

  addHold(hold: Hold): void {
    this.#s.insertHold.run({ id: hold.id, instance_id: hold.instanceId, chain: JSON.stringify(hold.chain), owner: hold.owner, tokens: hold.tokens, nanos: hold.nanos, created_at: hold.createdAt });
    this.#shiftHeld(hold, 1);
  }

  removeHold(id: string): Hold | undefined {
    const hold = this.getHold(id);
    if (!hold) return undefined;
    this.#s.deleteHold.run(id);
    this.#shiftHeld(hold, -1);
    return hold;
  }

  #shiftHeld(hold: Hold, sign: 1 | -1): void {
    for (const id of hold.chain) this.#s.addHeld.run(sign * hold.tokens, sign * hold.nanos, id);
    this.#s.addTotalHeld.run(sign * hold.tokens, sign * hold.nanos);
  }

  getHold(id: string): Hold | undefined {
    const row = this.#s.getHold.get(id) as HoldRow | undefined;
    return row ? toHold(row) : undefined;
  }

  holdOwners(): string[] {
    return (this.#s.holdOwners.all() as Array<{ owner: string }>).map((r) => r.owner);
  }

  holdsOf(owner: string, limit: number): Hold[] {
    return (this.#s.holdsOf.all(owner, limit) as HoldRow[]).map(toHold);
  }

  charge(c: Charge): void {
    const u = c.usage;
    this.#s.chargeOwn.run({
      id: c.instanceId,
      input: u.inputTokens,
      output: u.outputTokens,
      cacheWrite: u.cacheCreationInputTokens,
      cacheWrite1h: u.cacheCreation1hInputTokens,
      cacheRead: u.cacheReadInputTokens,
      cost: c.costNanos,
      savings: c.cacheSavingsNanos,
    });
    const tokens = totalTokens(u);
    for (const id of c.chain) this.#s.chargeSubtree.run(tokens, c.costNanos ?? 0, id);
  }

  appendMessage(instanceId: string, message: NewMessage): ConversationMessage {
    const { n } = this.#s.maxSeq.get(instanceId) as { n: number };
    const stored: ConversationMessage = { ...message, seq: n + 1 };
    this.#s.insertMessage.run(messageParams(instanceId, stored));
    return stored;
  }

  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): void {
    const row: unknown = this.#s.getMessage.get(instanceId, seq);
    if (row === undefined) throw new Error(`message ${seq} of ${instanceId} is not stored`);
    this.#s.updateMessage.run(messageParams(instanceId, { ...toMessage(row), ...patch, seq }));
  }

  listMessages(instanceId: string, page: PageRequest): Page<ConversationMessage> {
    const { n } = this.#s.countMessages.get(instanceId) as { n: number };
    return { items: this.#s.pageMessages.all(instanceId, page.limit, page.offset).map(toMessage), total: n };
  }

  conversation(instanceId: string): Array<Pick<ConversationMessage, 'role' | 'content'>> {
    // Read on every turn, so only the two columns a model sees, each checked (a whole row's schema would cost
    // more than the query on a long conversation).
    return (this.#s.conversation.all(instanceId) as Array<{ role: unknown; content: unknown }>).map(toTurnMessage);
  }

  lastMessage(instanceId: string): ConversationMessage | undefined {
    const row: unknown = this.#s.lastMessage.get(instanceId);
    return row === undefined ? undefined : toMessage(row);
  }

  appendEvent(event: LifecycleEvent): void {
    this.#s.insertEvent.run({ id: event.instanceId, at: event.at, from: event.from, to: event.to, reason: event.reason, detail: event.detail ?? null });
  }

  listEvents(instanceId: string): LifecycleEvent[] {
    const rows = this.#s.listEvents.all(instanceId) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      instanceId: String(r['instance_id']),
      at: String(r['at']),
      from: (r['from_state'] ?? null) as LifecycleEvent['from'],
      to: r['to_state'] as LifecycleEvent['to'],
      reason: r['reason'] as LifecycleEvent['reason'],
      ...(r['detail'] !== null && r['detail'] !== undefined ? { detail: r['detail'] } : {}),
    }));
  }

  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    return this.#s.acquireLease.run(owner, nowMs + ttlMs, instanceId, owner, nowMs).changes === 1;
  }

  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    return this.#s.renewLease.run(nowMs + ttlMs, instanceId, owner).changes === 1;
  }

  releaseLease(instanceId: string, owner: string): void {
    this.#s.releaseLease.run(instanceId, owner);
  }

  leaseOwners(limit: number): string[] {
    return (this.#s.leaseOwners.all(limit) as Array<{ lease_owner: string }>).map((r) => r.lease_owner);
  }

  leasedBy(owner: string, limit: number): string[] {
    return (this.#s.leasedBy.all(owner, limit) as Array<{ id: string }>).map((r) => r.id);
  }

  leaseOf(instanceId: string): Lease | null {
    const row = this.#s.leaseOf.get(instanceId) as { lease_owner: string | null; lease_expires_at: number | null } | undefined;
    return row?.lease_owner ? { owner: row.lease_owner, expiresAt: row.lease_expires_at ?? 0 } : null;
  }

  saveTask(task: StoredTask): void {
    this.#s.saveTask.run(taskParams(task));
  }

  getTask(id: string): StoredTask | undefined {
    const row = this.#s.getTask.get(id) as TaskRow | undefined;
    return row ? toTask(row) : undefined;
  }

  listTasks(state: string, limit: number): StoredTask[] {
    return (this.#s.listTasks.all(state, limit) as TaskRow[]).map(toTask);
  }

  countTasks(state: string): number {
    return (this.#s.countTasks.get(state) as { value: number } | undefined)?.value ?? 0;
  }

  deleteTasksFinishedBefore(beforeIso: string, limit: number): number {
    return this.#s.deleteTasks.run(beforeIso, limit).changes;
  }

  registerOwner(o: Owner): void {
    this.#s.registerOwner.run(o.id, o.host, o.pid, o.processStart, o.startedAt, o.address, o.heartbeatAt);
  }

  heartbeat(ownerId: string, atIso: string): void {
    this.#s.heartbeat.run(atIso, ownerId);
  }

  listOwners(limit: number): Owner[] {
    return (this.#s.listOwners.all(limit) as OwnerRow[]).map(toOwner);
  }

  instancesOnNode(node: string, limit: number): InstanceRecord[] {
    return this.#s.onNode.all(node, limit).map(toRecord);
  }

  getOwner(id: string): Owner | undefined {
    const row = this.#s.getOwner.get(id) as OwnerRow | undefined;
    return row ? toOwner(row) : undefined;
  }

  addApproval(approval: StoredApproval): void {
    this.#s.insertApproval.run(approvalRow(approval));
  }

  getApproval(id: string): StoredApproval | undefined {
    const row = this.#s.getApproval.get(id) as ApprovalRow | undefined;
    return row ? toApproval(row) : undefined;
  }

  pendingApprovals(instanceId: string | undefined, limit: number): StoredApproval[] {
    const rows = instanceId === undefined ? this.#s.pendingApprovals.all(limit) : this.#s.pendingApprovalsOf.all(instanceId, limit);
    return (rows as ApprovalRow[]).map(toApproval);
  }

  settleApproval(id: string, s: ApprovalSettlement): StoredApproval | undefined {
    return this.#s.settleApproval.run(s.decision, s.reason, s.atIso, id).changes === 0 ? undefined : this.getApproval(id);
  }

  deleteApprovalsBefore(beforeIso: string, limit: number): number {
    return this.#s.deleteApprovals.run(beforeIso, limit).changes;
  }

  deleteEndedBefore(beforeIso: string, limit: number): number {
    const ids = (this.#s.endedBefore.all(beforeIso, limit) as Array<{ id: string }>).map((r) => r.id);
    for (const id of ids) {
      this.#s.deleteMessages.run(id);
      this.#s.deleteEvents.run(id);
      this.#s.deleteInstance.run(id);
    }
    return ids.length;
  }
}
