import type { ReportedActivity } from '../backends/backend.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { DomainEvent, EventBus } from '../orchestrator/events.js';
import type { Activity, ActivityView } from './activity.js';

export interface ActivityTrackerDeps {
  readonly events: EventBus;
  /** Wall-clock ms (the kernel's clock). */
  readonly now: () => number;
  /** A turn with no sign of life for this long shows `stalled` (STALL_TIMEOUT_SECONDS). */
  readonly stallMs: number;
}

interface Entry {
  activity: Activity;
  tool: string | undefined;
  since: number;
  last: number;
  /** Permission asks open now; while any is, the activity shows waiting_for_approval. */
  approvals: number;
  /** What the instance did before its first open ask, restored when the last one is answered. */
  beforeApproval: { activity: Activity; tool: string | undefined; since: number } | undefined;
}

/**
 * What each instance does now, in memory, for the turns this server runs: fed by the turn's backend reports
 * (`report`: a model call, a tool, a rate-limit wait, a stall; repeated reports are signs of life) and by the
 * event bus (a turn's start and end, retries, rate limits, permission asks, ended instances). A change is
 * published as `activity.changed` (in a microtask, after its cause); signs of life never are. An instance whose turn runs on another server
 * (or that this server never saw) shows what its stored state says. Entries live while the instance does.
 *
 * Asks (a permission, a budget to raise) are `approval.waiting` / `approval.settled` events on the bus: while
 * any is open, the instance shows waiting_for_approval.
 */
export class ActivityTracker {
  readonly #deps: ActivityTrackerDeps;
  readonly #entries = new Map<string, Entry>();

  constructor(deps: ActivityTrackerDeps) {
    this.#deps = deps;
  }

  /** Follows the bus from now on; returns the function that stops it. */
  start(): () => void {
    return this.#deps.events.subscribe((event) => this.#onEvent(event));
  }

  /** A backend's report during a turn of `instanceId`. */
  report(instanceId: string, activity: ReportedActivity, tool?: string): void {
    const entry = this.#entries.get(instanceId);
    if (entry?.approvals) {
      // The ask is still open: what comes meanwhile is remembered for when it is answered.
      entry.last = this.#deps.now();
      if (entry.beforeApproval?.activity !== activity || entry.beforeApproval.tool !== tool) entry.beforeApproval = { activity, tool, since: entry.last };
      return;
    }
    this.#set(instanceId, activity, tool);
  }

  /**
   * The activity of a stored instance: live for a turn this server runs; otherwise derived from the record
   * (failed or on a dead node: dead; busy elsewhere: thinking, marked remote; else idle). An agent that died
   * under its last turn shows dead until the next turn.
   */
  view(record: InstanceRecord, nodeAvailable: boolean | null = null): ActivityView {
    const now = this.#deps.now();
    const changed = Date.parse(record.stateChangedAt);
    if (record.state === 'failed' || nodeAvailable === false) return this.#shape('dead', undefined, changed, changed, now);
    const entry = this.#entries.get(record.id);
    if (record.state === 'busy' && (entry === undefined || entry.activity === 'idle' || entry.activity === 'dead')) {
      return { ...this.#shape('thinking', undefined, changed, changed, now), remote: true };
    }
    if (entry?.activity === 'dead') return this.#shape('dead', undefined, entry.since, entry.last, now);
    if (entry === undefined || record.state !== 'busy') return this.#shape('idle', undefined, entry?.since ?? changed, entry?.last ?? changed, now);
    return this.#turnView(entry, now);
  }

  /** The live activity of a turn this server runs, or undefined (for progress lines). */
  live(instanceId: string): ActivityView | undefined {
    const entry = this.#entries.get(instanceId);
    if (entry === undefined || entry.activity === 'idle' || entry.activity === 'dead') return undefined;
    return this.#turnView(entry, this.#deps.now());
  }

  /** A running turn's activity: thinking with no sign of life past the stall limit shows stalled (since the limit passed). */
  #turnView(entry: Entry, now: number): ActivityView {
    if (entry.activity === 'thinking' && now - entry.last > this.#deps.stallMs) return this.#shape('stalled', undefined, entry.last + this.#deps.stallMs, entry.last, now);
    return this.#shape(entry.activity, entry.tool, entry.since, entry.last, now);
  }

  /** Instances tracked (bounded by the live instances this server ran turns for). */
  get size(): number {
    return this.#entries.size;
  }

  #shape(state: Activity, tool: string | undefined, since: number, last: number, now: number): ActivityView {
    return {
      state,
      since: new Date(since).toISOString(),
      last_activity_at: new Date(last).toISOString(),
      seconds: Math.max(0, Math.floor((now - since) / 1000)),
      ...(tool !== undefined ? { tool } : {}),
    };
  }

  #onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'turn.started':
        return this.#set(event.instanceId, 'thinking', undefined);
      case 'turn.text':
        return this.#touch(event.instanceId);
      case 'call.rate_limited':
        return this.report(event.instanceId, 'waiting_for_rate_limit');
      case 'call.retried':
        if (event.reason === 'stalled') this.report(event.instanceId, 'stalled');
        return;
      case 'turn.settled':
        // An agent that died under the turn stays dead until the next turn starts another.
        return this.#set(event.instanceId, this.#entries.get(event.instanceId)?.activity === 'dead' ? 'dead' : 'idle', undefined);
      case 'approval.waiting':
        return this.#openApproval(event.instanceId, event.tool);
      case 'approval.settled':
        return this.#settleApproval(event.instanceId);
      case 'instance.state_changed':
        // Ended: the stored state says so from now on; nothing is kept for it.
        if (event.to === 'terminated' || event.to === 'failed') this.#entries.delete(event.instanceId);
        return;
      default:
        return;
    }
  }

  #touch(instanceId: string): void {
    const entry = this.#entries.get(instanceId);
    if (entry) entry.last = this.#deps.now();
  }

  #openApproval(instanceId: string, tool: string): void {
    const entry = this.#entry(instanceId);
    entry.approvals += 1;
    if (entry.approvals > 1) return;
    entry.beforeApproval = { activity: entry.activity, tool: entry.tool, since: entry.since };
    this.#set(instanceId, 'waiting_for_approval', tool);
  }

  #settleApproval(instanceId: string): void {
    const entry = this.#entries.get(instanceId);
    if (!entry || entry.approvals === 0) return;
    entry.approvals -= 1;
    if (entry.approvals > 0 || entry.activity !== 'waiting_for_approval') return;
    const before = entry.beforeApproval;
    entry.beforeApproval = undefined;
    // Allowed or not, the agent goes on: a tool it was about to run now runs, else the model thinks again.
    this.#set(instanceId, before?.activity === 'running_tool' ? 'running_tool' : 'thinking', before?.activity === 'running_tool' ? before.tool : undefined);
  }

  #entry(instanceId: string): Entry {
    let entry = this.#entries.get(instanceId);
    if (!entry) {
      const now = this.#deps.now();
      entry = { activity: 'idle', tool: undefined, since: now, last: now, approvals: 0, beforeApproval: undefined };
      this.#entries.set(instanceId, entry);
    }
    return entry;
  }

  /** Sets the activity; publishes `activity.changed` when it changed (a repeat is only a sign of life). */
  #set(instanceId: string, activity: Activity, tool: string | undefined): void {
    const entry = this.#entry(instanceId);
    const now = this.#deps.now();
    entry.last = now;
    if (activity === 'idle') {
      entry.approvals = 0;
      entry.beforeApproval = undefined;
    }
    if (entry.activity === activity && entry.tool === tool) return;
    entry.activity = activity;
    entry.tool = tool;
    entry.since = now;
    const at = new Date(now).toISOString();
    // After the event that caused it has reached every listener (the bus calls them in order, and a change
    // made inside one would otherwise overtake its cause); one queue, so changes keep their order.
    const event = { type: 'activity.changed', at, instanceId, activity, since: at, ...(tool !== undefined ? { tool } : {}) } as const;
    queueMicrotask(() => this.#deps.events.publish(event));
  }
}
