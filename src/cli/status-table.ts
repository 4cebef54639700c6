import type { GlobalTotals } from '../orchestrator/results.js';
import type { ActivityView } from '../liveness/activity.js';
import type { InstanceView } from '../orchestrator/views.js';
import { usd } from '../text/human-format.js';
import { stripControls } from '../text/terminal-safe.js';

/** What `status` renders: the instances it read and the server's totals. */
export interface StatusData {
  readonly instances: readonly InstanceView[];
  /** How many the server has (of the kind asked for); more than `instances.length` when the list was cut. */
  readonly total: number;
  readonly totals: GlobalTotals;
  readonly includeTerminated: boolean;
}

const COLUMNS = ['ID', 'NAME', 'ROLE', 'STATE', 'ACTIVITY', 'BACKEND', 'MODEL', 'TOKENS', 'COST', 'TURNS', 'HEALTH'] as const;
/** Right-aligned: numbers read by their last digit. */
const NUMERIC = new Set<string>(['TOKENS', 'COST', 'TURNS', 'HEALTH']);
/** inst_ and 8 hex digits: unique enough to read and to pass to `logs`, which takes a prefix. */
const SHORT_ID = 13;
const NAME_WIDTH = 28;

/**
 * The instance table, children indented under their parent, then a line of totals. Names and roles are the
 * callers' text: control characters are removed and line breaks flattened, so a name can neither drive the
 * terminal nor break the table.
 */
export function renderStatus(data: StatusData): string {
  const rows = treeOrder(data.instances).map(({ view, prefix }) => [
    view.instance_id.slice(0, SHORT_ID),
    clip(`${prefix}${cell(view.name)}`, NAME_WIDTH),
    cell(view.role),
    view.state,
    activityCell(view.activity),
    cell(view.backend),
    cell(view.model),
    view.usage.total_tokens.toLocaleString('en-US'),
    usd(view.cost_usd),
    String(view.turns),
    view.state === 'terminated' || view.state === 'failed' ? '-' : String(view.health_score),
  ]);
  const lines: string[] = [];
  if (rows.length === 0) {
    lines.push(data.includeTerminated ? 'No instances.' : 'No live instances.');
  } else {
    const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => (NUMERIC.has(COLUMNS[i] ?? '') ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    lines.push(line(COLUMNS), ...rows.map(line));
  }
  if (data.total > data.instances.length) lines.push(`(the newest ${data.instances.length} of ${data.total}; --json has every field)`);
  lines.push('', totalsLine(data.totals, data.includeTerminated));
  return lines.join('\n');
}

function totalsLine(t: GlobalTotals, includeTerminated: boolean): string {
  const parts = [
    `${t.instances_live} live of ${t.instances_total} instance${t.instances_total === 1 ? '' : 's'}`,
    `${t.usage.total_tokens.toLocaleString('en-US')} tokens`,
    `${usd(t.cost_usd)} of ${usd(t.max_total_cost_usd)} budget`,
  ];
  if (t.in_flight_cost_usd > 0) parts.push(`${usd(t.in_flight_cost_usd)} held in flight`);
  if (t.unpriced_instances > 0) parts.push(`${t.unpriced_instances} unpriced (model not in the price table)`);
  const hint = !includeTerminated && t.instances_total > t.instances_live ? ' (--all shows ended ones)' : '';
  return `Totals: ${parts.join(' · ')}${hint}`;
}

/**
 * What an instance does now, short: "running Bash 42s", "thinking 3s", "stalled 2m", "idle"; "-" from a server
 * that does not say. A turn run by another server shows as "busy elsewhere".
 */
export function activityCell(activity: ActivityView | undefined): string {
  if (activity === undefined) return '-';
  if (activity.remote) return `busy elsewhere ${duration(activity.seconds)}`;
  switch (activity.state) {
    case 'idle':
    case 'dead':
      return activity.state;
    case 'running_tool':
      return `running ${cell(activity.tool ?? 'a tool')} ${duration(activity.seconds)}`;
    case 'waiting_for_approval':
      return `waiting approval ${duration(activity.seconds)}`;
    case 'waiting_for_rate_limit':
      return `rate limited ${duration(activity.seconds)}`;
    default:
      return `${activity.state} ${duration(activity.seconds)}`;
  }
}

/** Seconds up to two minutes, then minutes, then hours: what a glance needs. */
function duration(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3_600)}h`;
}

/** One table cell from a caller's text: no control characters, one line. */
function cell(text: string): string {
  return stripControls(text).replace(/\s/g, ' ');
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * Parents before their children, drawn as a tree; oldest first at every level, so a new instance appears at the
 * bottom. An instance whose parent is not in the list (ended, or on another page) is a root.
 */
export function treeOrder(instances: readonly InstanceView[]): Array<{ view: InstanceView; prefix: string }> {
  const byId = new Map(instances.map((v) => [v.instance_id, v]));
  const children = new Map<string, InstanceView[]>();
  const roots: InstanceView[] = [];
  for (const view of instances) {
    const parent = view.parent_id !== null && byId.has(view.parent_id) ? view.parent_id : undefined;
    if (parent === undefined) roots.push(view);
    else children.set(parent, [...(children.get(parent) ?? []), view]);
  }
  const byAge = (a: InstanceView, b: InstanceView) => a.created_at.localeCompare(b.created_at) || a.instance_id.localeCompare(b.instance_id);
  const out: Array<{ view: InstanceView; prefix: string }> = [];
  const visit = (view: InstanceView, indent: string, branch: string) => {
    out.push({ view, prefix: `${indent}${branch}` });
    const kids = (children.get(view.instance_id) ?? []).sort(byAge);
    const childIndent = branch === '' ? '' : `${indent}${branch === '└─ ' ? '   ' : '│  '}`;
    kids.forEach((kid, i) => visit(kid, childIndent, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of roots.sort(byAge)) visit(root, '', '');
  return out;
}
