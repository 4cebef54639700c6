import type { ConversationMessage, InstanceRecord, TransitionReason, InstanceState } from '../domain/instance.js';

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
  close(): void;
}
