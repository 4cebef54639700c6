import { describe, expect, it } from 'vitest';
import type { GlobalTotals } from '../orchestrator/results.js';
import type { InstanceView } from '../orchestrator/views.js';
import { usd } from '../text/human-format.js';
import { listenError } from '../transports/listen-error.js';
import { renderStatus, treeOrder } from './status-table.js';
import { nearest } from './suggest.js';

function view(id: string, name: string, parent: string | null, createdAt: string, extra: Partial<InstanceView> = {}): InstanceView {
  return {
    instance_id: `inst_${id.padEnd(32, '0')}`,
    name,
    role: 'general',
    model: 'claude-sonnet-5-5',
    backend: 'api',
    state: 'idle',
    state_reason: 'ready',
    state_changed_at: createdAt,
    parent_id: parent === null ? null : `inst_${parent.padEnd(32, '0')}`,
    children: [],
    depth: parent === null ? 0 : 1,
    allow_delegation: false,
    workspace: '/tmp/w',
    node: null,
    node_available: null,
    created_at: createdAt,
    expires_at: createdAt,
    usage: { input_tokens: 1000, output_tokens: 234, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 1234 },
    cost_usd: 0.0123,
    cache_savings_usd: 0,
    subtree: { total_tokens: 1234, cost_usd: 0.0123 },
    in_flight: { tokens: 0, cost_usd: 0 },
    turns: 2,
    mean_response_ms: 100,
    last_response_ms: 100,
    error_count: 0,
    last_error: null,
    health_score: 100,
    consecutive_failures: 0,
    limits: { max_total_tokens: 100_000, max_cost_usd: null, timeout_minutes: 60 },
    ...extra,
  };
}

const totals: GlobalTotals = {
  instances_live: 4,
  instances_total: 5,
  usage: { input_tokens: 4000, output_tokens: 936, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 4936 },
  cost_usd: 0.0492,
  unpriced_instances: 1,
  cache_savings_usd: 0,
  in_flight_cost_usd: 0,
  max_total_cost_usd: 100,
};

describe('the status table', () => {
  // Newest first, as GET /instances lists them.
  const list = [
    view('d', 'orphan', 'gone', '2026-11-27T08:00:04Z', { model: 'mystery', cost_usd: null }),
    view('c', 'grandchild', 'b', '2026-11-27T08:00:03Z'),
    view('e', 'second child', 'a', '2026-11-27T08:00:05Z'),
    view('b', 'first child', 'a', '2026-11-27T08:00:02Z'),
    view('a', 'lead', null, '2026-11-27T08:00:01Z'),
  ];

  it('draws children under their parent, oldest first; a parent not listed makes a root', () => {
    expect(treeOrder(list).map(({ view: v, prefix }) => `${prefix}${v.name}`)).toEqual(['lead', '├─ first child', '│  └─ grandchild', '└─ second child', 'orphan']);
  });

  it('has one row per instance with short ids, right-aligned numbers, "?" for an unknown cost, then the totals', () => {
    const text = renderStatus({ instances: list, total: 5, totals, includeTerminated: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('ID             NAME              ROLE     STATE  ACTIVITY  BACKEND  MODEL              TOKENS     COST  TURNS  HEALTH');
    expect(lines[1]).toBe('inst_a0000000  lead              general  idle   -         api      claude-sonnet-5-5   1,234  $0.0123      2     100');
    expect(lines[5]).toMatch(/^inst_d0000000  orphan .* mystery +1,234 +\? +2 +100$/);
    expect(lines.at(-1)).toBe('Totals: 4 live of 5 instances · 4,936 tokens · $0.0492 of $100.00 budget · 1 unpriced (model not in the price table) (--all shows ended ones)');
  });

  it('says when there is nothing, and when the list was cut', () => {
    expect(renderStatus({ instances: [], total: 0, totals, includeTerminated: false })).toMatch(/^No live instances\.\n/);
    expect(renderStatus({ instances: list.slice(0, 2), total: 9, totals, includeTerminated: true })).toContain('(the newest 2 of 9; --json has every field)');
  });

  it('never writes a control character from a name or role to the terminal, and keeps one line per instance', () => {
    const text = renderStatus({
      instances: [view('inst_00000001', '\x1b]0;pwned\x07evil\x1b[2J\nname\x9b31m', null, '2026-11-27T07:00:00.000Z', { role: 'dev\x1b[31m' })],
      total: 1,
      totals,
      includeTerminated: false,
    });
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    const row = text.split('\n')[1] ?? '';
    expect(row).toContain(']0;pwnedevil[2J name31m');
    expect(row).toContain('dev[31m');
  });

  it('shows dollars with the precision small calls need', () => {
    expect([usd(null), usd(0), usd(0.00042), usd(12.5)]).toEqual(['?', '$0', '$0.0004', '$12.50']);
  });
});

describe('nearest', () => {
  it('suggests a close name, and nothing for a far one', () => {
    expect(nearest('stauts', ['serve', 'status', 'logs'])).toBe('status');
    expect(nearest('log', ['serve', 'status', 'logs'])).toBe('logs');
    expect(nearest('xyzzy', ['serve', 'status', 'logs'])).toBeUndefined();
  });
});

describe('listenError', () => {
  it('turns a busy or privileged port and a foreign host into one line that says what to do', () => {
    const failure = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
    expect(listenError(failure('EADDRINUSE'), 'localhost', 8001)?.message).toBe('port 8001 is in use: pass --port N or stop the other server');
    expect(listenError(failure('EACCES'), 'localhost', 80)?.message).toBe('port 80 needs privileges to listen on: pass --port N with N above 1023');
    expect(listenError(failure('EADDRNOTAVAIL'), '10.9.9.9', 8001)?.message).toMatch(/cannot listen on host "10\.9\.9\.9"/);
    expect(listenError(new Error('other'), 'localhost', 8001)).toBeUndefined();
  });
});
