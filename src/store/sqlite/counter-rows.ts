import type { StoreCounters, StoreTotals } from '../store.js';

/** A row of the `counters` table (migration 4). */
export interface CounterRow {
  readonly metric: string;
  readonly label: string;
  readonly value: number;
}

/** The counters table as the store's StoreCounters; a counter not stored yet is 0. */
export function toCounters(rows: readonly CounterRow[]): StoreCounters {
  const one = (metric: string, label = ''): number => rows.find((r) => r.metric === metric && r.label === label)?.value ?? 0;
  const byLabel = (metric: string): Record<string, number> => Object.fromEntries(rows.filter((r) => r.metric === metric).map((r) => [r.label, r.value]));
  return {
    instancesCreated: one('instances_created'),
    instancesEnded: byLabel('instances_ended'),
    turns: { completed: one('turns', 'completed'), failed: one('turns', 'failed') },
    tokens: { input: one('tokens', 'input'), output: one('tokens', 'output'), cacheWrite: one('tokens', 'cache_write'), cacheRead: one('tokens', 'cache_read') },
    costNanos: one('cost_nanos'),
    tasks: byLabel('tasks'),
  };
}

/** The one row of the `totals` table (kept by triggers) as StoreTotals; PostgreSQL may hand numbers back as strings. */
export function toTotals(row: Record<string, unknown> | undefined): StoreTotals {
  const n = (key: string): number => Number(row?.[key] ?? 0);
  return {
    instances: n('instances'),
    live: n('live'),
    usage: {
      inputTokens: n('input_tokens'),
      outputTokens: n('output_tokens'),
      cacheCreationInputTokens: n('cache_creation_input_tokens'),
      cacheCreation1hInputTokens: n('cache_creation_1h_input_tokens'),
      cacheReadInputTokens: n('cache_read_input_tokens'),
    },
    costNanos: n('cost_nanos'),
    cacheSavingsNanos: n('cache_savings_nanos'),
    unpriced: n('unpriced'),
    heldTokens: n('held_tokens'),
    heldNanos: n('held_nanos'),
  };
}
