import type { ConversationMessage, InstanceRecord, TransitionReason, InstanceState } from '../domain/instance.js';
import type { Usage } from '../domain/usage.js';
import type { Owner } from './owner.js';
import type { ApprovalReads, ApprovalWrites } from './approvals.js';

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

/** A recorded lifecycle transition. */
export interface LifecycleEvent {
  readonly instanceId: string;
  readonly at: string;
  readonly from: InstanceState | null;
  readonly to: InstanceState;
  readonly reason: TransitionReason;
  readonly detail?: string;
}

export type NewMessage = Omit<ConversationMessage, 'seq'>;

/**
 * A hold on budget for one model call in flight, against the instance and each of its ancestors (`chain`,
 * the instance first) and the global budget. Removed when the call settles (or its owner is gone).
 */
export interface Hold {
  readonly id: string;
  readonly instanceId: string;
  /** The instance, then its parent, up to the root: every budget the hold counts against. */
  readonly chain: readonly string[];
  readonly owner: string;
  readonly tokens: number;
  readonly nanos: number;
  readonly createdAt: number;
}

/** One settled model call's charge, added to the instance and to the subtree spend of its chain. */
export interface Charge {
  readonly instanceId: string;
  readonly chain: readonly string[];
  readonly usage: Usage;
  /** null: the model has no known price (the instance's cost becomes unknown; budgets can't count it). */
  readonly costNanos: number | null;
  readonly cacheSavingsNanos: number | null;
}

/** Aggregates over every stored instance, kept by the store in the same transaction as each change. */
export interface StoreTotals {
  readonly instances: number;
  readonly live: number;
  readonly usage: Usage;
  /** Spend of priced calls (unpriced ones are counted in `unpriced`, never as 0). */
  readonly costNanos: number;
  readonly cacheSavingsNanos: number;
  /** Instances whose cost is unknown (their model has no price). */
  readonly unpriced: number;
  /** Holds of model calls in flight. */
  readonly heldTokens: number;
  readonly heldNanos: number;
}

/**
 * What /metrics counts, kept by the store in the same transaction as each change. Monotonic: retention that
 * deletes old instances or tasks never lowers them; a restarted server reads them back. Except `tasks`: the
 * number of stored tasks in each state now.
 */
export interface StoreCounters {
  readonly instancesCreated: number;
  /** Instances that ended (terminated or failed), by the reason they ended with. */
  readonly instancesEnded: Readonly<Record<string, number>>;
  readonly turns: { readonly completed: number; readonly failed: number };
  readonly tokens: { readonly input: number; readonly output: number; readonly cacheWrite: number; readonly cacheRead: number };
  /** Spend of priced calls. */
  readonly costNanos: number;
  readonly tasks: Readonly<Record<string, number>>;
}

/** A task as stored: its snapshot plus who runs it and the call that started it (for retries). */
export interface StoredTask {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly label: string;
  readonly owner: string;
  /** The tool call that started the task: `{ tool, arguments }`. */
  readonly request: unknown;
  readonly progress: unknown;
  readonly result: unknown;
  readonly error: unknown;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

/**
 * What can be read. No read costs more as instances accumulate: every one is a lookup by key or an index
 * range bounded by its `limit`, by live work, or by one instance's own children and messages.
 */
export interface StoreReads extends ApprovalReads {
  getInstance(id: string): Promise<InstanceRecord | undefined>;
  /** The instance, then its parent, up to the root (empty if the id is unknown). */
  chainOf(id: string): Promise<readonly InstanceRecord[]>;
  /** Newest first; `total` comes from the store's counters. */
  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Promise<Page<InstanceRecord>>;
  /** Ids of the children of each given instance (all states), oldest first. */
  childIds(parentIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Records of an instance's children, oldest first; `liveOnly` skips ended ones. */
  childrenOf(id: string, options?: { readonly liveOnly?: boolean }): Promise<readonly InstanceRecord[]>;
  countLiveChildren(id: string): Promise<number>;
  /** Live instances in the given states (recovery looks at busy, spawning and terminating ones). */
  instancesInStates(states: readonly InstanceState[], limit: number): Promise<readonly InstanceRecord[]>;
  /** Idle instances whose lifetime ended at or before `nowMs`. */
  expiredIdle(nowMs: number, limit: number): Promise<readonly InstanceRecord[]>;
  totals(): Promise<StoreTotals>;
  /** The counters /metrics serves: one small read, however much is stored. */
  counters(): Promise<StoreCounters>;

  listMessages(instanceId: string, page: PageRequest): Promise<Page<ConversationMessage>>;
  /** What a model sees: the role and text of every message not marked failed, oldest first. */
  conversation(instanceId: string): Promise<ReadonlyArray<Pick<ConversationMessage, 'role' | 'content'>>>;
  lastMessage(instanceId: string): Promise<ConversationMessage | undefined>;
  listEvents(instanceId: string): Promise<readonly LifecycleEvent[]>;

  leaseOf(instanceId: string): Promise<Lease | null>;
  /** Owners that hold a turn lease now, and the instances one of them holds (recovery takes back those of a server that is gone). */
  leaseOwners(limit: number): Promise<readonly string[]>;
  leasedBy(owner: string, limit: number): Promise<readonly string[]>;
  getHold(id: string): Promise<Hold | undefined>;
  /** Owners that hold budget now (recovery checks whether they are gone). */
  holdOwners(): Promise<readonly string[]>;
  holdsOf(owner: string, limit: number): Promise<readonly Hold[]>;

  getTask(id: string): Promise<StoredTask | undefined>;
  /** Tasks in one state, newest first (an index range). */
  listTasks(state: string, limit: number): Promise<readonly StoredTask[]>;
  /** How many tasks are in one state (from the counters: one lookup). */
  countTasks(state: string): Promise<number>;
  getOwner(id: string): Promise<Owner | undefined>;
  /** The nodes (owners), freshest heartbeat first, at most `limit`: an index range, bounded by the nodes, never by instances. */
  listOwners(limit: number): Promise<readonly Owner[]>;
  /** Live instances hosted by a node (their `node` is its owner id), at most `limit`: an index range. */
  instancesOnNode(node: string, limit: number): Promise<readonly InstanceRecord[]>;
}

/** What can be written: only inside a transaction. */
export interface StoreWrites extends ApprovalWrites {
  insertInstance(record: InstanceRecord): Promise<void>;
  /** Replaces fields of a stored instance and returns the new row; throws if the id is unknown. */
  updateInstance(id: string, patch: InstancePatch): Promise<InstanceRecord>;
  /** Writes `current` with `patch` applied, where `current` was read in this same transaction (saves the re-read). */
  patchInstance(current: InstanceRecord, patch: InstancePatch): Promise<InstanceRecord>;
  appendMessage(instanceId: string, message: NewMessage): Promise<ConversationMessage>;
  /** Replaces fields of one message (e.g. marking a user message whose turn failed). */
  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): Promise<void>;
  appendEvent(event: LifecycleEvent): Promise<void>;

  /** Takes the turn lease of an instance if it is free or expired; true when `owner` now holds it. */
  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Extends a held lease; false if `owner` no longer holds it. */
  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(instanceId: string, owner: string): Promise<void>;

  /** Records a hold and adds it to the held amounts of every instance of its chain and to the totals. */
  addHold(hold: Hold): Promise<void>;
  /** Removes a hold and its amounts; returns it, or undefined when it was already gone. */
  removeHold(id: string): Promise<Hold | undefined>;
  /** Adds a settled call's usage and cost to the instance, and to the subtree spend of every instance of its chain. */
  charge(charge: Charge): Promise<void>;

  saveTask(task: StoredTask): Promise<void>;
  /** Inserts an owner, or replaces the one with its id (a node announcing its address once it listens). */
  registerOwner(owner: Owner): Promise<void>;
  /** Records that a node is alive at `atIso` (sets its heartbeatAt; nothing if the id is unknown). */
  heartbeat(ownerId: string, atIso: string): Promise<void>;

  /** Deletes up to `limit` ended instances (with messages and events) that ended before `beforeIso` and have no children. */
  deleteEndedBefore(beforeIso: string, limit: number): Promise<number>;
  /** Deletes up to `limit` finished tasks that ended before `beforeIso`. */
  deleteTasksFinishedBefore(beforeIso: string, limit: number): Promise<number>;
}

/** Fields a plain update may change; spend, subtree spend and holds change only through charge and holds. */
export type InstancePatch = Partial<Omit<InstanceRecord, 'id' | 'usage' | 'costNanos' | 'cacheSavingsNanos' | 'subtree' | 'held'>>;

/** One transaction. `onCommit` callbacks run after it commits (never if it rolls back): domain events go there. */
export interface Tx extends StoreReads, StoreWrites {
  onCommit(callback: () => void): void;
}

/**
 * The orchestrator's only memory, async so an embedded (SQLite) and a networked (PostgreSQL) database can
 * both implement it. Reads run on their own; every write runs in `transaction`, which is atomic across
 * every server sharing the store (check-then-write holds).
 */
export interface Store extends StoreReads {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
