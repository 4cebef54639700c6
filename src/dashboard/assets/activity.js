// claude-orchestrator dashboard: what each instance does now (liveness), as a badge in the instance tree:
// "running Bash 42s", "thinking 3s", "stalled 2m", "waiting for approval 10s". Loaded before dashboard.js;
// uses its h() once the page runs. The seconds tick on the page between refetches (from `since`), without
// redrawing the table; an `activity.changed` event refetches the instances (dashboard.js).
'use strict';

const ACTIVITY_TEXT = {
  thinking: 'thinking',
  running_tool: 'running',
  waiting_for_approval: 'waiting for approval',
  waiting_for_rate_limit: 'rate limited',
  stalled: 'stalled',
  idle: 'idle',
  dead: 'dead',
};

/** Seconds up to two minutes, then minutes, then hours. */
function activityDuration(seconds) {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

function activityText(a, nowMs) {
  const base = a.remote ? 'busy elsewhere' : `${ACTIVITY_TEXT[a.state] ?? a.state}${a.state === 'running_tool' && a.tool ? ` ${a.tool}` : ''}`;
  if (a.state === 'idle' || a.state === 'dead') return base;
  const seconds = Math.max(0, Math.floor((nowMs - Date.parse(a.since)) / 1000));
  return `${base} ${activityDuration(Number.isFinite(seconds) ? seconds : a.seconds)}`;
}

/** The activity badge of an instance (nothing for one whose server does not say, or that ended). */
function activityBadge(i) {
  const a = i.activity;
  if (!a || i.state === 'terminated') return '';
  return h('span', { class: 'activity', 'data-activity': a.state, 'data-since': a.since, 'data-testid': 'activity', title: `last sign of life ${new Date(a.last_activity_at).toLocaleTimeString()}` },
    activityText(a, Date.now()));
}

/** Moves every badge's seconds on, once a second: the table is redrawn only when what it shows changed. */
function tickActivity() {
  const now = Date.now();
  for (const el of document.querySelectorAll('.activity[data-since]')) {
    const i = state.instances.find((x) => x.instance_id === el.closest('tr[data-id]')?.dataset.id);
    if (i?.activity) el.textContent = activityText(i.activity, now);
  }
}
document.addEventListener('DOMContentLoaded', () => setInterval(tickActivity, 1000));
