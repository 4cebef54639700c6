import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * prom-client's process metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, nodejs_gc_duration_seconds, ...)
 * on one registry for the whole process. Collecting them starts a GC PerformanceObserver and an event-loop delay
 * monitor that nothing stops, and they describe the process, not an orchestrator: so they are set up once, on the
 * first scrape of any server, and every server's /metrics merges this same registry. The one module-level value of
 * the observability code, on purpose: a second set of observers would only repeat the first.
 */
let shared: Registry | undefined;

/** The process-wide registry of process metrics, created (and its observers started) on the first call. */
export function processMetricsRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
