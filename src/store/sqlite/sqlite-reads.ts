import type { ConversationMessage, InstanceRecord, InstanceState } from '../../domain/instance.js';
import type { Owner } from '../owner.js';
import type { StoredApproval } from '../approvals.js';
import type { Hold, Lease, LifecycleEvent, Page, PageRequest, StoreCounters, StoreReads, StoreTotals, StoredTask } from '../store.js';
import type { SqliteOps } from './sqlite-ops.js';

/** Runs a synchronous store operation now, as a promise (a throw becomes a rejection). */
export function runNow<T>(op: () => T): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * The reads of the SQLite store, for the store itself and for a transaction. `run` says when a read may
 * run: on the store, when no transaction of this process is open (so it never sees uncommitted writes); in
 * a transaction, at once (after checking the transaction is still open).
 */
export abstract class SqliteReads implements StoreReads {
  protected constructor(protected readonly ops: SqliteOps) {}

  protected abstract run<T>(read: () => T): Promise<T>;

  getInstance(id: string): Promise<InstanceRecord | undefined> {
    return this.run(() => this.ops.getInstance(id));
  }

  chainOf(id: string): Promise<readonly InstanceRecord[]> {
    return this.run(() => this.ops.chainOf(id));
  }

  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Promise<Page<InstanceRecord>> {
    return this.run(() => this.ops.listInstances(options));
  }

  childIds(parentIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    return this.run(() => this.ops.childIds(parentIds));
  }

  childrenOf(id: string, options: { readonly liveOnly?: boolean } = {}): Promise<readonly InstanceRecord[]> {
    return this.run(() => this.ops.childrenOf(id, options.liveOnly ?? false));
  }

  countLiveChildren(id: string): Promise<number> {
    return this.run(() => this.ops.countLiveChildren(id));
  }

  instancesInStates(states: readonly InstanceState[], limit: number): Promise<readonly InstanceRecord[]> {
    return this.run(() => this.ops.instancesInStates(states, limit));
  }

  expiredIdle(nowMs: number, limit: number): Promise<readonly InstanceRecord[]> {
    return this.run(() => this.ops.expiredIdle(nowMs, limit));
  }

  totals(): Promise<StoreTotals> {
    return this.run(() => this.ops.totals());
  }

  counters(): Promise<StoreCounters> {
    return this.run(() => this.ops.counters());
  }

  listMessages(instanceId: string, page: PageRequest): Promise<Page<ConversationMessage>> {
    return this.run(() => this.ops.listMessages(instanceId, page));
  }

  conversation(instanceId: string): Promise<ReadonlyArray<Pick<ConversationMessage, 'role' | 'content'>>> {
    return this.run(() => this.ops.conversation(instanceId));
  }

  lastMessage(instanceId: string): Promise<ConversationMessage | undefined> {
    return this.run(() => this.ops.lastMessage(instanceId));
  }

  listEvents(instanceId: string): Promise<readonly LifecycleEvent[]> {
    return this.run(() => this.ops.listEvents(instanceId));
  }

  leaseOf(instanceId: string): Promise<Lease | null> {
    return this.run(() => this.ops.leaseOf(instanceId));
  }

  leaseOwners(limit: number): Promise<readonly string[]> {
    return this.run(() => this.ops.leaseOwners(limit));
  }

  leasedBy(owner: string, limit: number): Promise<readonly string[]> {
    return this.run(() => this.ops.leasedBy(owner, limit));
  }

  getHold(id: string): Promise<Hold | undefined> {
    return this.run(() => this.ops.getHold(id));
  }

  holdOwners(): Promise<readonly string[]> {
    return this.run(() => this.ops.holdOwners());
  }

  holdsOf(owner: string, limit: number): Promise<readonly Hold[]> {
    return this.run(() => this.ops.holdsOf(owner, limit));
  }

  getTask(id: string): Promise<StoredTask | undefined> {
    return this.run(() => this.ops.getTask(id));
  }

  listTasks(state: string, limit: number): Promise<readonly StoredTask[]> {
    return this.run(() => this.ops.listTasks(state, limit));
  }

  countTasks(state: string): Promise<number> {
    return this.run(() => this.ops.countTasks(state));
  }

  getOwner(id: string): Promise<Owner | undefined> {
    return this.run(() => this.ops.getOwner(id));
  }

  listOwners(limit: number): Promise<readonly Owner[]> {
    return this.run(() => this.ops.listOwners(limit));
  }

  instancesOnNode(node: string, limit: number): Promise<readonly InstanceRecord[]> {
    return this.run(() => this.ops.instancesOnNode(node, limit));
  }

  getApproval(id: string): Promise<StoredApproval | undefined> {
    return this.run(() => this.ops.getApproval(id));
  }

  pendingApprovals(options: { readonly instanceId?: string; readonly limit: number }): Promise<readonly StoredApproval[]> {
    return this.run(() => this.ops.pendingApprovals(options.instanceId, options.limit));
  }
}
