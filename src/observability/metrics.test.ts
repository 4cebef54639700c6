import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { MetricsText } from '../test-support/prometheus-text.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';
import { seededOrchestrator, seededStore, tableScans } from '../test-support/seeded-store.js';
import { silentLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { processMetricsRegistry } from './process-metrics.js';

/** An orchestrator on a store in memory. */
function memoryOrchestrator(): Orchestrator {
  const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'metrics-')) });
  return new Orchestrator({ config, backend: new ScriptedBackend(), store: new SqliteStore(':memory:'), priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger() });
}

/** The statements one scrape ran on a store holding `stored` instances, 5 of them live. */
async function scrapeProfile(stored: number) {
  const seeded = await seededStore(stored, (i) => i < 5);
  const orchestrator = await seededOrchestrator(seeded);
  const metrics = createMetrics(orchestrator, { processMetrics: false });
  let text = new MetricsText('');
  const statements = await seeded.log.during(async () => {
    text = new MetricsText(await metrics.render());
  });
  metrics.close();
  await orchestrator.close();
  return { text, statements, path: seeded.path };
}

describe('a scrape', () => {
  it('runs the same statements with 10 and with 5,000 instances stored, none scanning a table, and shows the same live instances', async () => {
    const small = await scrapeProfile(10);
    const large = await scrapeProfile(5_000);
    expect(large.statements).toEqual(small.statements);
    // The counters, then one page of live instances (their children and the totals with it).
    expect(small.statements.length).toBeGreaterThan(1);
    expect(small.statements.some((sql) => /FROM counters/.test(sql))).toBe(true);
    expect(small.text.value('orchestrator_instances_created_total')).toBe(10);
    expect(large.text.value('orchestrator_instances_created_total')).toBe(5_000);
    expect(large.text.value('orchestrator_instances_terminated_total', { reason: 'requested' })).toBe(4_995);
    expect(large.text.value('orchestrator_instances_active')).toBe(5);
    expect(large.text.samples('orchestrator_instance_health_score')).toHaveLength(5);

    expect(tableScans(large.path, large.statements)).toEqual([]);
  });

  it('counts the questions to raise a spent budget by how they ended', async () => {
    const orchestrator = memoryOrchestrator();
    const metrics = createMetrics(orchestrator, { processMetrics: false });
    const at = new Date().toISOString();
    const budget = { instanceId: null, kind: 'cost' as const };
    orchestrator.events.publish({ type: 'budget.raised', at, instanceId: 'inst_a', budget, from: 1, to: 2 });
    orchestrator.events.publish({ type: 'budget.declined', at, instanceId: 'inst_a', budget, answer: 'decline' });
    orchestrator.events.publish({ type: 'budget.declined', at, instanceId: 'inst_b', budget, answer: 'decline' });
    const text = new MetricsText(await metrics.render());
    expect(text.value('orchestrator_budget_asks_total', { outcome: 'raised' })).toBe(1);
    expect(text.value('orchestrator_budget_asks_total', { outcome: 'decline' })).toBe(2);
    metrics.close();
    await orchestrator.close();
  });

  it('serves only what the registry of this orchestrator counted: two in one process never share a series', async () => {
    const one = memoryOrchestrator();
    const two = memoryOrchestrator();
    const m1 = createMetrics(one, { processMetrics: false });
    const m2 = createMetrics(two, { processMetrics: false });
    const { instance_id } = await one.spawnInstance({ name: 'only-in-one' });
    await one.sendToInstance({ instance_id, message: 'hi' });
    const a = new MetricsText(await m1.render());
    const b = new MetricsText(await m2.render());
    expect(a.value('orchestrator_instances_created_total')).toBe(1);
    expect(a.value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBe(1);
    expect(b.value('orchestrator_instances_created_total')).toBe(0);
    expect(b.value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBeUndefined();
    // Closed: it no longer listens.
    m1.close();
    await one.sendToInstance({ instance_id, message: 'again' });
    expect(new MetricsText(await m1.render()).value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBe(1);
    m2.close();
    await one.close();
    await two.close();
  });

  it('serves the process metrics of one process-wide registry: two servers scraped and closed set up one set of observers', async () => {
    const one = memoryOrchestrator();
    const two = memoryOrchestrator();
    const m1 = createMetrics(one);
    const a = new MetricsText(await m1.render());
    const shared = processMetricsRegistry();
    const families = shared.getMetricsAsArray().length;
    m1.close();
    const m2 = createMetrics(two);
    const b = new MetricsText(await m2.render());
    // The same registry, no new collectors: the GC observer and the event-loop monitor were started once.
    expect(processMetricsRegistry()).toBe(shared);
    expect(shared.getMetricsAsArray().length).toBe(families);
    for (const text of [a, b]) {
      expect(text.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(text.value('orchestrator_instances_created_total')).toBe(0);
    }
    // A scrape after another server closed still serves them.
    m2.close();
    const m3 = createMetrics(one);
    expect(new MetricsText(await m3.render()).value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    m3.close();
    // Without them, none of them.
    const m4 = createMetrics(two, { processMetrics: false });
    expect(new MetricsText(await m4.render()).value('nodejs_heap_size_used_bytes')).toBeUndefined();
    m4.close();
    await one.close();
    await two.close();
  });
});
