import type { HierarchicalResult } from '../coordination/hierarchical.js';
import type { GlobalTotals } from '../orchestrator/orchestrator.js';
import type { InstanceView } from '../orchestrator/views.js';

const usd = (v: number | null) => (v === null ? 'unknown' : `$${v.toFixed(4)}`);

/** The coordinator, its plan's sub-tasks (with who did them and in which wave), and nested runs. */
export function renderTree(result: HierarchicalResult, indent = ''): string[] {
  const lines = [`${indent}${result.coordinator.name} [${result.coordinator.role}]: planned ${result.plan?.length ?? 0} sub-tasks, ${result.integration?.status === 'completed' ? 'integrated the results' : 'no integration'}`];
  result.subtasks.forEach((s, i) => {
    const last = i === result.subtasks.length - 1;
    const after = s.depends_on.length > 0 ? `, after ${s.depends_on.join(', ')}` : '';
    lines.push(`${indent}${last ? '└─' : '├─'} ${s.subtask_id} → ${s.name} [${s.role}] (wave ${s.wave}${after}): ${s.status}`);
    if (s.nested) lines.push(...renderTree(s.nested, `${indent}${last ? '   ' : '│  '}`));
  });
  return lines;
}

/** Per-instance tokens, cost and time, and the totals. */
export function renderSummary(instances: readonly InstanceView[], totals: GlobalTotals): string[] {
  const rows = instances.map((i) => [
    i.name,
    String(i.turns),
    String(i.usage.input_tokens),
    String(i.usage.output_tokens),
    String(i.usage.total_tokens),
    usd(i.cost_usd),
    `${((i.mean_response_ms ?? 0) * i.turns / 1000).toFixed(1)}s`,
  ]);
  const header = ['instance', 'turns', 'input', 'output', 'total tokens', 'cost', 'time'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [
    line(header),
    ...rows.map(line),
    `total: ${totals.usage.total_tokens} tokens, ${usd(totals.cost_usd)} (prices as of the built-in table's date)`,
  ];
}
