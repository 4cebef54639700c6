import { isLive, type ConversationMessage, type InstanceRecord } from '../domain/instance.js';
import type { LifecycleEvent, NewMessage, Page, PageRequest, Store } from './store.js';

/** An in-process store: fast and simple, and gone when the process ends. */
export class MemoryStore implements Store {
  readonly #instances = new Map<string, InstanceRecord>();
  readonly #messages = new Map<string, ConversationMessage[]>();
  readonly #events = new Map<string, LifecycleEvent[]>();

  insertInstance(record: InstanceRecord): void {
    if (this.#instances.has(record.id)) throw new Error(`instance ${record.id} already stored`);
    this.#instances.set(record.id, record);
    this.#messages.set(record.id, []);
    this.#events.set(record.id, []);
  }

  getInstance(id: string): InstanceRecord | undefined {
    return this.#instances.get(id);
  }

  updateInstance(id: string, patch: Partial<Omit<InstanceRecord, 'id'>>): InstanceRecord {
    const current = this.#instances.get(id);
    if (!current) throw new Error(`instance ${id} is not stored`);
    const next: InstanceRecord = { ...current, ...patch };
    this.#instances.set(id, next);
    return next;
  }

  listInstances(options: PageRequest & { readonly includeTerminated: boolean }): Page<InstanceRecord> {
    const all = [...this.#instances.values()]
      .filter((r) => options.includeTerminated || isLive(r.state))
      .reverse();
    return { items: all.slice(options.offset, options.offset + options.limit), total: all.length };
  }

  allInstances(): readonly InstanceRecord[] {
    return [...this.#instances.values()];
  }

  childrenOf(id: string): readonly InstanceRecord[] {
    return [...this.#instances.values()].filter((r) => r.parentId === id);
  }

  appendMessage(instanceId: string, message: NewMessage): ConversationMessage {
    const list = this.#list(this.#messages, instanceId);
    const stored: ConversationMessage = { ...message, seq: list.length + 1 };
    list.push(stored);
    return stored;
  }

  updateMessage(instanceId: string, seq: number, patch: Partial<Omit<ConversationMessage, 'seq'>>): void {
    const list = this.#list(this.#messages, instanceId);
    const index = seq - 1;
    const current = list[index];
    if (!current) throw new Error(`message ${seq} of ${instanceId} is not stored`);
    list[index] = { ...current, ...patch };
  }

  listMessages(instanceId: string, page: PageRequest): Page<ConversationMessage> {
    const list = this.#list(this.#messages, instanceId);
    return { items: list.slice(page.offset, page.offset + page.limit), total: list.length };
  }

  allMessages(instanceId: string): readonly ConversationMessage[] {
    return [...this.#list(this.#messages, instanceId)];
  }

  appendEvent(event: LifecycleEvent): void {
    this.#list(this.#events, event.instanceId).push(event);
  }

  listEvents(instanceId: string): readonly LifecycleEvent[] {
    return [...this.#list(this.#events, instanceId)];
  }

  close(): void {
    // Nothing to flush: memory only.
  }

  #list<T>(map: Map<string, T[]>, instanceId: string): T[] {
    const list = map.get(instanceId);
    if (!list) throw new Error(`instance ${instanceId} is not stored`);
    return list;
  }
}
