import { DEFAULTS } from '../config/defaults.js';
import type { ListInput } from '../domain/inputs.js';
import type { ListResult } from '../orchestrator/results.js';
import type { InstanceView } from '../orchestrator/views.js';
import { nanosToUsd } from '../pricing/cost.js';
import type { StoreCounters } from '../store/store.js';
import { TASK_STATES } from '../tasks/list-tasks.js';
import type { OrchestratorMetricSet } from './metrics-definitions.js';

/** What a scrape reads: the store's counters (one small table) and the live instances (bounded by MAX_INSTANCES). */
export interface MetricsSnapshot {
  readonly counters: StoreCounters;
  readonly live: number;
  readonly instances: readonly InstanceView[];
}

export interface SnapshotSource {
  counters(): Promise<StoreCounters>;
  listInstances(input: ListInput): Promise<ListResult>;
}

/** Reads a snapshot: the counters, then the live instances page by page (never the ended ones). */
export async function readSnapshot(source: SnapshotSource): Promise<MetricsSnapshot> {
  const counters = await source.counters();
  const instances: InstanceView[] = [];
  let live = 0;
  for (let offset = 0; ; ) {
    const page = await source.listInstances({ include_terminated: false, limit: DEFAULTS.maxPageSize, offset });
    live = page.totals.instances_live;
    instances.push(...page.instances);
    offset += page.instances.length;
    if (page.instances.length === 0 || offset >= page.total) break;
  }
  return { counters, live, instances };
}

/**
 * Sets every store-backed metric from a snapshot, synchronously (two scrapes never interleave their writes).
 * Counters are set to the stored totals (reset, then added); per-instance gauges hold the live instances only,
 * so an ended instance's series disappears.
 */
export function applySnapshot(m: OrchestratorMetricSet, s: MetricsSnapshot): void {
  const c = s.counters;
  m.instancesCreated.reset();
  m.instancesCreated.inc(c.instancesCreated);
  m.instancesActive.set(s.live);
  m.instancesTerminated.reset();
  for (const [reason, n] of Object.entries(c.instancesEnded)) m.instancesTerminated.inc({ reason }, n);
  m.turns.reset();
  m.turns.inc({ outcome: 'completed' }, c.turns.completed);
  m.turns.inc({ outcome: 'failed' }, c.turns.failed);
  m.tokens.reset();
  m.tokens.inc({ kind: 'input' }, c.tokens.input);
  m.tokens.inc({ kind: 'output' }, c.tokens.output);
  m.tokens.inc({ kind: 'cache_write' }, c.tokens.cacheWrite);
  m.tokens.inc({ kind: 'cache_read' }, c.tokens.cacheRead);
  m.cost.reset();
  m.cost.inc(nanosToUsd(c.costNanos) ?? 0);
  m.tasks.reset();
  // Every state shown, 0 when none: a query on one state never finds the series missing.
  for (const state of TASK_STATES) m.tasks.set({ state }, 0);
  for (const [state, n] of Object.entries(c.tasks)) m.tasks.set({ state }, n);

  for (const gauge of [m.health, m.instanceTokens, m.instanceCost, m.instanceTurns, m.instanceErrors, m.instanceResponse]) gauge.reset();
  for (const view of s.instances) {
    const labels = { instance_id: view.instance_id, name: view.name };
    m.health.set(labels, view.health_score);
    m.instanceTokens.set(labels, view.usage.total_tokens);
    if (view.cost_usd !== null) m.instanceCost.set(labels, view.cost_usd);
    m.instanceTurns.set(labels, view.turns);
    m.instanceErrors.set(labels, view.error_count);
    if (view.mean_response_ms !== null) m.instanceResponse.set(labels, view.mean_response_ms / 1000);
  }
}
