import { Registry } from 'prom-client';
import type { DomainEvent } from '../orchestrator/events.js';
import { defineMetrics, type OrchestratorMetricSet } from './metrics-definitions.js';
import { applySnapshot, readSnapshot, type SnapshotSource } from './metrics-snapshot.js';
import { processMetricsRegistry } from './process-metrics.js';

/** What the metrics watch: an orchestrator (its event stream, its store's counters, its live instances). */
export interface MetricsSource extends SnapshotSource {
  readonly events: { subscribe(listener: (event: DomainEvent) => void): () => void };
}

export interface MetricsOptions {
  /**
   * Also serve prom-client's process metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), from one
   * registry shared by every server in the process (see process-metrics.ts). Default true.
   */
  readonly processMetrics?: boolean;
}

export interface OrchestratorMetrics {
  /** The Content-Type of `render()`: Prometheus text format 0.0.4. */
  readonly contentType: string;
  /** The metrics now, in the Prometheus text format. */
  render(): Promise<string>;
  /** Stops listening to the event stream (the shared process metrics stay, for the process's other servers). */
  close(): void;
}

/**
 * The orchestrator's metrics on a registry of their own (never prom-client's global one: several orchestrators
 * may run in one process). Totals that must survive a restart come from the store's counters at each scrape
 * (kept by the store in the same transaction as each change); what only this process sees (durations, retries,
 * rate limits) is counted from the domain event stream from now on.
 */
export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): OrchestratorMetrics {
  const registry = new Registry();
  const metrics = defineMetrics(registry);
  const unsubscribe = source.events.subscribe((event) => record(metrics, event));
  const processMetrics = options.processMetrics ?? true;
  return {
    contentType: registry.contentType,
    async render() {
      applySnapshot(metrics, await readSnapshot(source));
      // Process metrics start with the first scrape: a process nobody scrapes sets up no GC observer or lag monitor.
      return processMetrics ? Registry.merge([registry, processMetricsRegistry()]).metrics() : registry.metrics();
    },
    close: unsubscribe,
  };
}

/** Counts one domain event into the process-local metrics. */
function record(m: OrchestratorMetricSet, event: DomainEvent): void {
  switch (event.type) {
    case 'turn.settled':
      m.turnDuration.observe({ outcome: event.outcome }, event.durationMs / 1000);
      break;
    case 'call.settled':
      m.callDuration.observe({ model: event.model }, event.durationMs / 1000);
      break;
    case 'call.retried':
      m.retries.inc({ reason: event.reason });
      break;
    case 'call.rate_limited':
      m.rateLimits.inc({ reason: event.reason });
      break;
    case 'budget.raised':
      m.budgetAsks.inc({ outcome: 'raised' });
      break;
    case 'budget.declined':
      m.budgetAsks.inc({ outcome: event.answer });
      break;
    default:
      break;
  }
}
