import type { ConversationMessage, InstanceRecord, TransitionReason, InstanceState } from '../domain/instance.js';
import type { Owner } from './owner.js';

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

/** A hold on budget for a turn in flight; settled (removed) when the turn's real usage is recorded. */
export interface Reservation {
  readonly id: string;
  readonly instanceId: string;
  readonly owner: string;
  readonly tokens: number;
  readonly nanos: number;
  readonly createdAt: number;
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
 * The orchestrator's only memory. Synchronous on purpose: the embedded stores (memory now, SQLite next) are
 * synchronous, which makes check-then-write steps (the instance cap, a transition) atomic within a process.
 */
export interface Store {
  insertInstance(record: InstanceRecord): void;
  getInstance(id: string): InstanceRecord | undefined;
  /** Replaces fields of a stored instance and returns the new row; throws if the id is unknown. */
  updateInstance(id: string, patch: Partial<Omit<InstanceRecord, 'id'>>): InstanceRecord;
  /** Newest first. */
  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Page<InstanceRecord>;
  allInstances(): readonly InstanceRecord[];
  childrenOf(id: string): readonly InstanceRecord[];
  appendMessage(instanceId: string, message: NewMessage): ConversationMessage;
  /** Replaces fields of one message (e.g. marking a user message whose turn failed). */
  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): void;
  listMessages(instanceId: string, page: PageRequest): Page<ConversationMessage>;
  allMessages(instanceId: string): readonly ConversationMessage[];
  appendEvent(event: LifecycleEvent): void;
  listEvents(instanceId: string): readonly LifecycleEvent[];

  /** Runs `fn` atomically: in SQLite one immediate transaction, so check-then-write holds across processes. */
  transaction<T>(fn: () => T): T;

  /** Takes the turn lease of an instance if it is free or expired; true when `owner` now holds it. */
  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean;
  /** Extends a held lease; false if `owner` no longer holds it. */
  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean;
  releaseLease(instanceId: string, owner: string): void;
  leaseOf(instanceId: string): Lease | null;

  addReservation(reservation: Reservation): void;
  removeReservation(id: string): void;
  /** Live reservations; those of owners that are gone are removed by the caller. */
  listReservations(): readonly Reservation[];

  saveTask(task: StoredTask): void;
  getTask(id: string): StoredTask | undefined;
  listTasks(state: string): readonly StoredTask[];

  registerOwner(owner: Owner): void;
  getOwner(id: string): Owner | undefined;

  /** Deletes terminated instances (with their messages and events) that ended before `beforeIso`. */
  deleteEndedBefore(beforeIso: string): number;

  close(): void;
}
