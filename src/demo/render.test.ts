import { describe, expect, it } from 'vitest';
import type { HierarchicalResult } from '../coordination/hierarchical.js';
import type { GlobalTotals } from '../orchestrator/orchestrator.js';
import type { InstanceView } from '../orchestrator/views.js';
import { renderSummary, renderTree } from './render.js';

const who = (name: string, role = 'general') => ({ instance_id: `inst_${name}`, name, role });

function run(name: string, subtasks: object[], extra: Partial<HierarchicalResult> = {}): HierarchicalResult {
  return { coordinator: who(name, 'architect'), plan: subtasks, integration: { status: 'completed' }, subtasks, ...extra } as unknown as HierarchicalResult;
}

describe('the demo report', () => {
  it('draws the plan as a tree: waves, dependencies, statuses, and a nested run under its sub-task', () => {
    const nested = run('Mid', [{ subtask_id: 't1', ...who('Kid'), wave: 1, depends_on: [], status: 'completed' }], { integration: { status: 'failed' } as never });
    const top = run('Top', [
      { subtask_id: 't1', ...who('Mid', 'architect'), wave: 1, depends_on: [], status: 'completed', nested },
      { subtask_id: 't2', ...who('Solo'), wave: 2, depends_on: ['t1'], status: 'skipped' },
    ]);
    expect(renderTree(top)).toEqual([
      'Top [architect]: planned 2 sub-tasks, integrated the results',
      '├─ t1 → Mid [architect] (wave 1): completed',
      '│  Mid [architect]: planned 1 sub-tasks, no integration',
      '│  └─ t1 → Kid [general] (wave 1): completed',
      '└─ t2 → Solo [general] (wave 2, after t1): skipped',
    ]);
  });

  it('says a run without a plan planned nothing', () => {
    expect(renderTree(run('Lead', [], { plan: null, integration: null }))).toEqual(['Lead [architect]: planned 0 sub-tasks, no integration']);
  });

  it('sums each instance and the totals, with an unknown cost and no timing as such', () => {
    const instance = (name: string, extra: Partial<InstanceView>) =>
      ({ name, turns: 2, usage: { input_tokens: 100, output_tokens: 20, total_tokens: 120 }, cost_usd: 0.5, mean_response_ms: 1500, ...extra }) as InstanceView;
    const totals = { usage: { total_tokens: 240 }, cost_usd: null } as unknown as GlobalTotals;
    expect(renderSummary([instance('a', {}), instance('longer name', { cost_usd: null, mean_response_ms: null })], totals)).toEqual([
      'instance     turns  input  output  total tokens     cost  time',
      'a                2    100      20           120  $0.5000  3.0s',
      'longer name      2    100      20           120  unknown  0.0s',
      "total: 240 tokens, unknown (prices as of the built-in table's date)",
    ]);
  });
});
