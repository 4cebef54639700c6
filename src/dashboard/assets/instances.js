// claude-orchestrator dashboard: the instance table, as a tree (children under their parent), redrawn only when
// what it shows changed. Loaded before dashboard.js, whose helpers (h, badge, fmt*), state and select_() it
// uses at call time; each row's activity badge comes from activity.js.
'use strict';

/** Parents before their children, children oldest first; an instance whose parent is not on this page is a root. */
function treeOrder(list) {
  const byId = new Map(list.map((i) => [i.instance_id, i]));
  const kids = new Map();
  const roots = [];
  for (const i of list) {
    if (i.parent_id && byId.has(i.parent_id)) (kids.get(i.parent_id) ?? kids.set(i.parent_id, []).get(i.parent_id)).push(i);
    else roots.push(i);
  }
  const out = [];
  const walk = (i, depth, last) => {
    out.push({ i, depth, last });
    const children = (kids.get(i.instance_id) ?? []).sort((a, b) => a.created_at.localeCompare(b.created_at));
    children.forEach((c, n) => walk(c, depth + 1, n === children.length - 1));
  };
  roots.forEach((r) => walk(r, 0, true));
  return out;
}

function healthCell(i) {
  if (ENDED.has(i.state)) return h('td', { class: 'num muted' }, '—');
  const lvl = i.health_score >= 80 ? 'good' : i.health_score >= 50 ? 'warn' : 'bad';
  return h('td', { class: 'num' }, h('span', { class: 'health', 'data-level': lvl, title: `${i.error_count} errors, ${i.consecutive_failures} failures in a row` }, String(i.health_score)));
}

/** Re-renders the instance table only when what it shows changed, keeping the focused row focused. */
function renderInstances() {
  const el = document.getElementById('instances');
  const key = JSON.stringify([state.instances, state.instanceTotal, state.selected, state.showEnded]);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  const focused = el.contains(document.activeElement) ? document.activeElement?.closest('tr[data-id]')?.dataset.id : undefined;
  drawInstances(el);
  if (focused !== undefined) el.querySelector(`tr[data-id="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
}

/** The node hosting an instance: its host name (the full id on hover), flagged while it is unavailable. */
function nodeCell(i) {
  if (!i.node) return h('td', { class: 'wide muted', title: 'runs on any node' }, 'any');
  return h('td', { class: 'wide mono', title: i.node }, i.node.split(':')[0], i.node_available === false ? h('span', { class: 'reason' }, 'unavailable') : '');
}

function drawInstances(el) {
  if (state.instances.length === 0) {
    el.replaceChildren(h('div', { class: 'empty', 'data-testid': 'empty' },
      h('strong', {}, state.showEnded ? 'No instances stored yet' : 'No live instances'),
      h('p', {}, 'Spawn one from your MCP client (ask Claude to use ', h('code', {}, 'spawn_claude'), '), or over REST:'),
      h('pre', {}, `curl -X POST ${location.origin}/tools/execute -H 'content-type: application/json' \\\n${document.body.dataset.auth === 'required' ? '  -H "authorization: Bearer $ORCHESTRATOR_TOKEN" \\\n' : ''}  -d '{"tool":"spawn_claude","arguments":{"name":"Ana","role":"architect"}}'`),
      h('p', {}, 'It appears here as soon as it exists.')));
    return;
  }
  // Several nodes on one store: which one hosts each claude-code agent (api instances run on any node).
  const nodes = new Set(state.instances.map((i) => i.node).filter(Boolean));
  const showNode = nodes.size > 1 || state.instances.some((i) => i.node_available === false);
  const head = h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Role'), h('th', {}, 'State'), h('th', { class: 'wide' }, 'Model'), h('th', { class: 'wide' }, 'Backend'),
    showNode ? h('th', { class: 'wide' }, 'Node') : '', h('th', { class: 'num' }, 'Tokens'), h('th', { class: 'num' }, 'Cost'), h('th', { class: 'num' }, 'Turns'), h('th', { class: 'num', title: 'mean / last response time' }, 'Response'), h('th', { class: 'num' }, 'Health')));
  const rows = treeOrder(state.instances).map(({ i, depth, last }) => {
    const select = () => select_(i.instance_id);
    return h('tr', { 'data-id': i.instance_id, 'aria-selected': String(i.instance_id === state.selected), onclick: select, tabindex: 0, onkeydown: (e) => e.key === 'Enter' && select() },
      h('td', { style: { paddingLeft: `${0.6 + depth * 1.25}rem` } }, depth > 0 ? h('span', { class: 'tree' }, last ? '└' : '├') : '', h('span', { class: 'name' }, i.name),
        h('span', { class: 'reason mono' }, i.instance_id)),
      h('td', {}, i.role.replace(/_/g, ' ')),
      h('td', {}, badge(i.state), activityBadge(i), h('span', { class: 'reason' }, i.state_reason)),
      h('td', { class: 'mono wide' }, i.model),
      h('td', { class: 'wide' }, i.backend),
      showNode ? nodeCell(i) : '',
      h('td', { class: 'num' }, fmtInt(i.usage.total_tokens), h('span', { class: 'reason' }, `of ${fmtInt(i.limits.max_total_tokens)}`)),
      h('td', { class: 'num', title: i.cost_usd === null ? 'unknown price for this model' : '' }, fmtUsd(i.cost_usd),
        i.limits.max_cost_usd !== null ? h('span', { class: 'reason' }, `of ${fmtUsd(i.limits.max_cost_usd)}`) : ''),
      h('td', { class: 'num' }, fmtInt(i.turns)),
      h('td', { class: 'num' }, fmtMs(i.mean_response_ms), h('span', { class: 'reason' }, `last ${fmtMs(i.last_response_ms)}`)),
      healthCell(i));
  });
  const more = state.instanceTotal > state.instances.length ? h('p', { class: 'muted' }, `Showing the newest ${state.instances.length} of ${fmtInt(state.instanceTotal)}.`) : '';
  el.replaceChildren(h('table', { 'data-testid': 'instances' }, head, h('tbody', {}, rows)), more);
}
