import type { Config } from '../config/load-config.js';
import type { ActivityTracker } from '../liveness/activity-tracker.js';
import type { Approvals } from '../approvals/approvals.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Logger } from '../observability/logger.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { Owner } from '../store/owner.js';
import type { Store } from '../store/store.js';
import type { BackendSet } from './backend-set.js';
import type { EventBus } from './events.js';
import type { Holds } from './holds.js';
import type { Sessions } from './sessions.js';
import type { TurnQueue } from './turn-queue.js';

export interface Clock {
  now(): number;
}

/**
 * What the orchestrator's modules (spawn, turn, terminate, health, queries) share: plain parts, built once
 * by the orchestrator (its wiring). Each module is a set of functions over this; none knows the others' state.
 */
export interface Kernel {
  readonly config: Config;
  readonly store: Store;
  readonly events: EventBus;
  readonly prices: PriceTable;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** This server, as the owner of leases, holds and tasks in a store it may share with others. */
  readonly owner: Owner;
  readonly leaseMs: number;
  readonly backends: BackendSet;
  readonly sessions: Sessions;
  readonly holds: Holds;
  /** Turns of one instance run one at a time, in order. */
  readonly queue: TurnQueue;
  /** Aborted when the orchestrator shuts down. */
  readonly shutdown: AbortSignal;
  /** What each instance does now (liveness), for the turns this server runs. */
  readonly activity: ActivityTracker;
  /** Permission asks of claude-code agents: elicitation, or the pending-approvals queue in the store. */
  readonly approvals: Approvals;
}

export function isoNow(kernel: Pick<Kernel, 'clock'>): string {
  return new Date(kernel.clock.now()).toISOString();
}
