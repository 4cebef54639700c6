import { isLive, type ConversationMessage, type InstanceRecord } from '../domain/instance.js';
import type { Owner } from './owner.js';
import type { Lease, LifecycleEvent, NewMessage, Page, PageRequest, Reservation, Store, StoredTask } from './store.js';

/** An in-process store: fast and simple, and gone when the process ends. */
export class MemoryStore implements Store {
  readonly #instances = new Map<string, InstanceRecord>();
  readonly #messages = new Map<string, ConversationMessage[]>();
  readonly #events = new Map<string, LifecycleEvent[]>();
  readonly #leases = new Map<string, Lease>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #tasks = new Map<string, StoredTask>();
  readonly #owners = new Map<string, Owner>();

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

  transaction<T>(fn: () => T): T {
    // One process, synchronous code: nothing can interleave.
    return fn();
  }

  acquireLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    const lease = this.#leases.get(instanceId);
    if (lease && lease.owner !== owner && lease.expiresAt > nowMs) return false;
    this.#leases.set(instanceId, { owner, expiresAt: nowMs + ttlMs });
    return true;
  }

  renewLease(instanceId: string, owner: string, nowMs: number, ttlMs: number): boolean {
    if (this.#leases.get(instanceId)?.owner !== owner) return false;
    this.#leases.set(instanceId, { owner, expiresAt: nowMs + ttlMs });
    return true;
  }

  releaseLease(instanceId: string, owner: string): void {
    if (this.#leases.get(instanceId)?.owner === owner) this.#leases.delete(instanceId);
  }

  leaseOf(instanceId: string): Lease | null {
    return this.#leases.get(instanceId) ?? null;
  }

  addReservation(reservation: Reservation): void {
    this.#reservations.set(reservation.id, reservation);
  }

  removeReservation(id: string): void {
    this.#reservations.delete(id);
  }

  listReservations(): readonly Reservation[] {
    return [...this.#reservations.values()];
  }

  saveTask(task: StoredTask): void {
    this.#tasks.set(task.id, task);
  }

  getTask(id: string): StoredTask | undefined {
    return this.#tasks.get(id);
  }

  listTasks(state: string): readonly StoredTask[] {
    return [...this.#tasks.values()].filter((t) => t.state === state);
  }

  registerOwner(owner: Owner): void {
    this.#owners.set(owner.id, owner);
  }

  getOwner(id: string): Owner | undefined {
    return this.#owners.get(id);
  }

  deleteEndedBefore(beforeIso: string): number {
    let deleted = 0;
    for (const r of [...this.#instances.values()]) {
      if (r.state !== 'terminated' && r.state !== 'failed') continue;
      if (r.stateChangedAt >= beforeIso) continue;
      if ([...this.#instances.values()].some((c) => c.parentId === r.id)) continue;
      this.#instances.delete(r.id);
      this.#messages.delete(r.id);
      this.#events.delete(r.id);
      deleted++;
    }
    return deleted;
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
