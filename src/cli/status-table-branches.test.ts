import { describe, expect, it } from 'vitest';
import type { GlobalTotals } from '../orchestrator/results.js';
import type { InstanceView } from '../orchestrator/views.js';
import { activityCell, renderStatus } from './status-table.js';

function view(id: string, name: string, state: InstanceView['state']): InstanceView {
  return {
    instance_id: `inst_${id.padEnd(32, '0')}`,
    name,
    role: 'general',
    model: 'claude-sonnet-5-5',
    backend: 'api',
    state,
    parent_id: null,
    created_at: `2026-11-27T08:00:0${id}Z`,
    usage: { total_tokens: 10 },
    cost_usd: 0,
    turns: 1,
    health_score: 90,
  } as unknown as InstanceView;
}

const totals = (extra: Partial<GlobalTotals> = {}): GlobalTotals =>
  ({ instances_live: 1, instances_total: 1, usage: { total_tokens: 10 }, cost_usd: 0, unpriced_instances: 0, in_flight_cost_usd: 0, max_total_cost_usd: 5, ...extra }) as GlobalTotals;

describe('the status table, the rest of its cases', () => {
  it('shows no health for an ended instance, and clips a long name', () => {
    const text = renderStatus({
      instances: [view('1', 'a name far too long to fit in its column at all', 'terminated'), view('2', 'broke', 'failed'), view('3', 'ok', 'idle')],
      total: 3,
      totals: totals({ instances_live: 1, instances_total: 3 }),
      includeTerminated: true,
    });
    const rows = text.split('\n');
    expect(rows[1]).toMatch(/^inst_10000000  a name far too long to fit …  general  terminated .* -$/);
    expect(rows[2]).toMatch(/ failed .* -$/);
    expect(rows[3]).toMatch(/ idle .* 90$/);
    // Ended ones are listed: no hint to ask for them.
    expect(rows.at(-1)).toBe('Totals: 1 live of 3 instances · 10 tokens · $0 of $5.00 budget');
  });

  it('says "No instances." when ended ones were asked for too, one instance in the singular, and what is held in flight', () => {
    const text = renderStatus({ instances: [], total: 0, totals: totals({ instances_live: 0, in_flight_cost_usd: 0.25 }), includeTerminated: true });
    expect(text).toBe('No instances.\n\nTotals: 0 live of 1 instance · 10 tokens · $0 of $5.00 budget · $0.2500 held in flight');
  });
});

describe('the status table: the ACTIVITY column', () => {
  const at = '2026-11-27T08:00:00.000Z';
  it('says what each instance does now, briefly', () => {
    expect(activityCell({ state: 'running_tool', tool: 'Bash', seconds: 42, since: at, last_activity_at: at })).toBe('running Bash 42s');
    expect(activityCell({ state: 'thinking', seconds: 3, since: at, last_activity_at: at })).toBe('thinking 3s');
    expect(activityCell({ state: 'stalled', seconds: 150, since: at, last_activity_at: at })).toBe('stalled 2m');
    expect(activityCell({ state: 'waiting_for_approval', seconds: 7_300, since: at, last_activity_at: at })).toBe('waiting approval 2h');
    expect(activityCell({ state: 'waiting_for_rate_limit', seconds: 5, since: at, last_activity_at: at })).toBe('rate limited 5s');
    expect(activityCell({ state: 'idle', seconds: 5, since: at, last_activity_at: at })).toBe('idle');
    expect(activityCell({ state: 'dead', seconds: 5, since: at, last_activity_at: at })).toBe('dead');
    expect(activityCell({ state: 'thinking', seconds: 9, since: at, last_activity_at: at, remote: true })).toBe('busy elsewhere 9s');
    expect(activityCell(undefined)).toBe('-');
  });
});
