import type { ConversationMessage, InstanceRecord } from '../../domain/instance.js';
import type { Owner } from '../owner.js';
import type { ApprovalSettlement, StoredApproval } from '../approvals.js';
import type { Charge, Hold, InstancePatch, LifecycleEvent, NewMessage, StoredTask, Tx } from '../store.js';
import type { SqliteOps } from './sqlite-ops.js';
import { runNow, SqliteReads } from './sqlite-reads.js';

/** One open SQLite transaction: reads and writes run at once on its connection; commit callbacks wait. */
export class SqliteTx extends SqliteReads implements Tx {
  readonly #onCommit: Array<() => void> = [];
  #open = true;

  constructor(ops: SqliteOps) {
    super(ops);
  }

  protected run<T>(op: () => T): Promise<T> {
    // A transaction's object must not outlive it: a late write would land outside any transaction.
    if (!this.#open) return Promise.reject(new Error('store transaction used after it ended'));
    return runNow(op);
  }

  /** Ends the transaction's life; returns the callbacks to run once it committed. */
  end(): ReadonlyArray<() => void> {
    this.#open = false;
    return this.#onCommit;
  }

  onCommit(callback: () => void): void {
    this.#onCommit.push(callback);
  }

  insertInstance(record: InstanceRecord): Promise<void> {
    return this.run(() => this.ops.insertInstance(record));
  }

  updateInstance(id: string, patch: InstancePatch): Promise<InstanceRecord> {
    return this.run(() => this.ops.updateInstance(id, patch));
  }

  patchInstance(current: InstanceRecord, patch: InstancePatch): Promise<InstanceRecord> {
    return this.run(() => this.ops.patchInstance(current, patch));
  }

  appendMessage(instanceId: string, message: NewMessage): Promise<ConversationMessage> {
    return this.run(() => this.ops.appendMessage(instanceId, message));
  }

  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): Promise<void> {
    return this.run(() => this.ops.updateMessage(instanceId, seq, patch));
  }

  appendEvent(event: LifecycleEvent): Promise<void> {
    return this.run(() => this.ops.appendEvent(event));
  }

  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.run(() => this.ops.acquireLease(instanceId, owner, nowMs, ttlMs));
  }

  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.run(() => this.ops.renewLease(instanceId, owner, nowMs, ttlMs));
  }

  releaseLease(instanceId: string, owner: string): Promise<void> {
    return this.run(() => this.ops.releaseLease(instanceId, owner));
  }

  addHold(hold: Hold): Promise<void> {
    return this.run(() => this.ops.addHold(hold));
  }

  removeHold(id: string): Promise<Hold | undefined> {
    return this.run(() => this.ops.removeHold(id));
  }

  charge(charge: Charge): Promise<void> {
    return this.run(() => this.ops.charge(charge));
  }

  saveTask(task: StoredTask): Promise<void> {
    return this.run(() => this.ops.saveTask(task));
  }

  registerOwner(owner: Owner): Promise<void> {
    return this.run(() => this.ops.registerOwner(owner));
  }

  heartbeat(ownerId: string, atIso: string): Promise<void> {
    return this.run(() => this.ops.heartbeat(ownerId, atIso));
  }

  deleteEndedBefore(beforeIso: string, limit: number): Promise<number> {
    return this.run(() => this.ops.deleteEndedBefore(beforeIso, limit));
  }

  deleteTasksFinishedBefore(beforeIso: string, limit: number): Promise<number> {
    return this.run(() => this.ops.deleteTasksFinishedBefore(beforeIso, limit));
  }

  addApproval(approval: StoredApproval): Promise<void> {
    return this.run(() => this.ops.addApproval(approval));
  }

  settleApproval(id: string, settlement: ApprovalSettlement): Promise<StoredApproval | undefined> {
    return this.run(() => this.ops.settleApproval(id, settlement));
  }

  deleteApprovalsBefore(beforeIso: string, limit: number): Promise<number> {
    return this.run(() => this.ops.deleteApprovalsBefore(beforeIso, limit));
  }
}
