import type { Backend } from '../backends/backend.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { toOrchestratorError } from '../domain/errors.js';
import { randomId, type IdGenerator } from '../domain/ids.js';
import { ActivityTracker } from '../liveness/activity-tracker.js';
import { Approvals } from '../approvals/approvals.js';
import type { Logger } from '../observability/logger.js';
import type { PriceTable } from '../pricing/price-table.js';
import { currentOwner } from '../store/owner.js';
import type { Store } from '../store/store.js';
import { BackendSet } from './backend-set.js';
import type { EventBus } from './events.js';
import { Holds } from './holds.js';
import type { Clock, Kernel } from './kernel.js';
import { Sessions } from './sessions.js';
import { TurnQueue } from './turn-queue.js';

export interface OrchestratorDeps {
  readonly config: Config;
  /** A backend to use for its kind instead of the registry's (a test's scripted backend, a library user's own). */
  readonly backend?: Backend;
  /** More such backends, by kind. Kinds not given are built from the registry on first use. */
  readonly backends?: Readonly<Record<string, Backend>>;
  readonly store: Store;
  readonly priceTable: PriceTable;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** This machine's name as a node (default: the OS host name); tests simulate nodes on other machines with it. */
  readonly host?: string;
}

/** The kernel's parts, built once per orchestrator: clock, ids, its owner (this node), backends, holds, the turn queue. */
export function buildKernel(deps: OrchestratorDeps, events: EventBus, shutdown: AbortSignal): Kernel {
  const log = deps.logger;
  const clock = deps.clock ?? { now: () => Date.now() };
  const ids = deps.ids ?? randomId;
  const backends = new BackendSet({ ...(deps.backends ?? {}), ...(deps.backend ? { [deps.backend.kind]: deps.backend } : {}) }, { config: deps.config, logger: log });
  // One owner per orchestrator, not per process: two orchestrators in one process (a test, a library user)
  // never share a lease. Whether it is gone is judged by its host, pid and process start, not its id.
  const process = currentOwner(new Date(clock.now()), deps.host);
  const owner = { ...process, id: `${process.id}:${ids('owner').slice(-8)}` };
  const holds = new Holds({
    store: deps.store,
    events,
    prices: deps.priceTable,
    ids,
    now: () => clock.now(),
    owner: owner.id,
    settings: deps.config,
    pollMs: DEFAULTS.holdPollMs,
    onDeferred: (error, holdId) => log.error({ holdId, err: toOrchestratorError(error).message }, 'a model call could not be settled yet: it is kept and written again at the next health check'),
  });
  // Follows the bus for the orchestrator's life (the bus goes with it).
  const activity = new ActivityTracker({ events, now: () => clock.now(), stallMs: deps.config.stallTimeoutSeconds * 1000 });
  activity.start();
  const approvals = new Approvals({ store: deps.store, events, log, now: () => clock.now(), ids, owner: owner.id, timeoutMs: deps.config.approvalTimeoutSeconds * 1000 });
  approvals.start();
  return {
    config: deps.config,
    store: deps.store,
    events,
    prices: deps.priceTable,
    log,
    clock,
    ids,
    owner,
    leaseMs: DEFAULTS.leaseSeconds * 1000,
    backends,
    sessions: new Sessions(backends),
    holds,
    queue: new TurnQueue(),
    shutdown,
    activity,
    approvals,
  };
}
