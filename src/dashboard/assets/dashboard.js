// claude-orchestrator dashboard: reads the REST routes, listens to GET /events (Server-Sent Events) and
// refetches what an event says changed. No framework; every value reaches the page as text, never as HTML.
'use strict';

const PAGE = 100;
const ENDED = new Set(['terminated', 'failed']);
/** The instance named in the URL's #fragment; a malformed one (`#%`) selects nothing rather than breaking the page. */
function hashId() {
  try {
    return decodeURIComponent(location.hash.slice(1)) || null;
  } catch {
    return null;
  }
}
const state = {
  instances: [], totals: null, limits: null, tasks: [], taskTotal: 0,
  selected: hashId(),
  convFor: null, messages: [], messageTotal: 0, showEnded: false,
  /** The selected instance's reply as it streams (turn.text): {seq, text, end, settled}, until the stored reply replaces it. */
  stream: null,
};

// ---- formatting ---------------------------------------------------------------------------------------
const fmtInt = (n) => (n ?? 0).toLocaleString('en-US');
const fmtUsd = (v) => (v === null || v === undefined ? '—' : `${v < 0 ? '−' : ''}$${Math.abs(v).toFixed(Math.abs(v) >= 1 ? 2 : 4)}`);
const fmtMs = (ms) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const fmtTime = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const level = (share) => (share >= 0.9 ? 'high' : share >= 0.7 ? 'warn' : 'ok');

/** h('td', {class: 'num'}, 'text', node…): an element; strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style') Object.assign(el.style, v); // CSSOM, which the CSP allows (a style attribute it would block)
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const badge = (s) => h('span', { class: 'badge', 'data-state': s }, s);
/** A bar: budget use turns amber then red as it fills; `progress` bars stay the accent colour. */
const meter = (share, kind = 'budget') => h('div', { class: 'meter', 'data-level': kind === 'budget' ? level(share) : kind }, h('span', { style: { width: `${Math.min(100, Math.max(0, share * 100)).toFixed(1)}%` } }));

// ---- the API --------------------------------------------------------------------------------------------
async function api(path, init = {}) {
  // The custom header marks the dashboard's own requests: the server refuses cookie-only changes without it (CSRF).
  const res = await fetch(path, { ...init, credentials: 'same-origin', headers: { 'x-orchestrator-csrf': '1', accept: 'application/json' } });
  if (res.status === 401) {
    location.reload(); // the session ended: the page shows the login form
    throw new Error('Signed out.');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

// ---- loading --------------------------------------------------------------------------------------------
async function loadInstances() {
  const list = await api(`/instances?limit=${PAGE}${state.showEnded ? '&include_terminated=true' : ''}`);
  state.instances = list.instances;
  state.instanceTotal = list.total;
  state.totals = list.totals;
  renderTotals();
  renderInstances();
  renderDetail();
}

async function loadLimits() {
  const health = await api('/health');
  state.limits = health.limits ?? null;
  renderTotals();
}

async function loadTasks() {
  const page = await api('/tasks?limit=20');
  state.tasks = page.tasks;
  state.taskTotal = page.total;
  renderTasks();
  renderTotals();
}

/** The selected instance's conversation: its last page first, then only what is new (the last turn re-read, as a failed turn is updated in place). */
async function loadConversation() {
  const id = state.selected;
  if (!id) return;
  const fresh = state.convFor !== id;
  let offset = Math.max(0, state.messageTotal - 2);
  if (fresh) {
    const probe = await api(`/instances/${encodeURIComponent(id)}/output?limit=1`);
    offset = Math.max(0, probe.total - PAGE);
  }
  const page = await api(`/instances/${encodeURIComponent(id)}/output?offset=${offset}&limit=${PAGE}`);
  if (state.selected !== id) return;
  const bySeq = new Map((fresh ? [] : state.messages).map((m) => [m.seq, m]));
  for (const m of page.messages) bySeq.set(m.seq, m);
  state.messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-PAGE * 2);
  state.messageTotal = page.total;
  state.convFor = id;
  // The stored reply (or the failed turn) replaces the streamed one once the turn settled and this read has it.
  const s = state.stream;
  if (s?.settled && state.messages.some((m) => m.seq > s.seq || (m.seq === s.seq && m.failed))) state.stream = null;
  renderDetail();
}

// Bursts of events become one refetch per kind, at most four times a second (well inside the server's
// per-client rate limit however busy the instances are), one at a time (refresher.js).
const refresh = createRefresher({ instances: loadInstances, tasks: loadTasks, conversation: loadConversation, limits: loadLimits, approvals: loadApprovals }, (e) => toast(e.message));

// ---- rendering ------------------------------------------------------------------------------------------
function renderTotals() {
  const t = state.totals;
  const el = document.getElementById('totals');
  if (!t) return;
  const lim = state.limits;
  const working = state.tasks.filter((x) => x.state === 'working').length;
  const maxInstances = lim?.max_instances;
  el.replaceChildren(
    h('div', { class: 'card' }, h('div', { class: 'label' }, 'Live instances'),
      h('div', { class: 'value', 'data-testid': 'live-instances' }, fmtInt(t.instances_live), maxInstances ? h('span', { class: 'muted' }, ` / ${fmtInt(maxInstances)}`) : ''),
      maxInstances ? meter(t.instances_live / maxInstances) : '', h('div', { class: 'sub' }, `${fmtInt(t.instances_total)} stored`)),
    h('div', { class: 'card' }, h('div', { class: 'label' }, 'Spend'),
      h('div', { class: 'value', 'data-testid': 'total-cost' }, fmtUsd(t.cost_usd), h('span', { class: 'muted' }, ` / ${fmtUsd(t.max_total_cost_usd)}`)),
      meter((t.cost_usd + t.in_flight_cost_usd) / t.max_total_cost_usd),
      h('div', { class: 'sub' }, `${fmtUsd(t.in_flight_cost_usd)} held by calls in flight${t.unpriced_instances ? ` · ${t.unpriced_instances} unpriced` : ''}`)),
    h('div', { class: 'card' }, h('div', { class: 'label' }, 'Tokens'),
      h('div', { class: 'value' }, fmtInt(t.usage.total_tokens)),
      h('div', { class: 'sub' }, `${fmtInt(t.usage.input_tokens)} in · ${fmtInt(t.usage.output_tokens)} out`)),
    h('div', { class: 'card' }, h('div', { class: 'label' }, 'Cache savings'),
      h('div', { class: 'value' }, fmtUsd(t.cache_savings_usd)),
      h('div', { class: 'sub' }, `${fmtInt(t.usage.cache_read_input_tokens ?? 0)} tokens read from cache`)),
    h('div', { class: 'card' }, h('div', { class: 'label' }, 'Tasks working'),
      h('div', { class: 'value' }, fmtInt(working)),
      h('div', { class: 'sub' }, lim ? `per instance: ${fmtInt(lim.max_tokens_per_instance)} tokens` : '')),
  );
}

function select_(id) {
  if (state.selected === id) return;
  state.selected = id;
  state.messages = [];
  state.messageTotal = 0;
  state.convFor = null;
  state.stream = null;
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  renderInstances();
  renderDetail();
  refresh('conversation');
}

const nameOf = (id) => state.instances.find((i) => i.instance_id === id)?.name ?? id;

function renderTasks() {
  const el = document.getElementById('tasks');
  // Redrawn only when a task (or a name it shows) changed: a button under the pointer stays the same element.
  const key = JSON.stringify([state.tasks, state.instances.map((i) => [i.instance_id, i.name])]);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  if (state.tasks.length === 0) {
    el.replaceChildren(h('div', { class: 'empty' }, h('strong', {}, 'No tasks'), 'A send or coordinate_instances call that runs past its wait shows here, with each participant\'s progress.'));
    return;
  }
  el.replaceChildren(...state.tasks.map((t) => {
    const p = t.progress;
    const share = p.total_turns ? p.completed_turns / p.total_turns : t.state === 'completed' ? 1 : 0;
    return h('div', { class: 'task', 'data-task': t.task_id, 'data-state': t.state },
      h('div', { class: 'task-head' }, badge(t.state), h('span', { class: 'label' }, t.label.replace(/inst_[\w-]+/g, nameOf)), h('span', { class: 'muted mono' }, t.task_id),
        h('span', { class: 'actions' }, t.state === 'working' ? h('button', { class: 'danger', 'data-testid': 'cancel', onclick: () => cancel(t) }, 'Cancel') : '')),
      h('div', { class: 'progress-line' }, `${p.message} · ${fmtInt(p.completed_turns)}${p.total_turns !== null ? ` / ${fmtInt(p.total_turns)}` : ''} turns · ${fmtInt(p.tokens)} tokens · started ${fmtTime(t.created_at)}`),
      meter(share, t.state === 'completed' ? 'done' : 'progress'),
      p.participants ? h('div', { class: 'chips' }, p.participants.map((x) => h('span', { class: 'chip' }, badge(x.state), nameOf(x.instance_id), h('span', { class: 'muted' }, `${x.turns} turns · ${fmtInt(x.tokens)} tok`)))) : '',
      t.error && t.state !== 'cancelled' ? h('div', { class: 'error' }, t.error.message) : '');
  }));
}

// ---- actions --------------------------------------------------------------------------------------------
async function terminate(i) {
  if (!confirm(`Terminate "${i.name}"? Its live children end too; its conversation stays readable.`)) return;
  try {
    const r = await api(`/instances/${encodeURIComponent(i.instance_id)}`, { method: 'DELETE' });
    toast(`${i.name} ${r.state}${r.terminated_children.length ? ` with ${r.terminated_children.length} children` : ''}.`);
  } catch (e) {
    toast(e.message);
  }
  refresh('instances', 'conversation');
}

async function cancel(t) {
  if (!confirm(`Cancel "${t.label}"? Running turns stop; the instances stay usable.`)) return;
  try {
    const r = await api(`/tasks/${encodeURIComponent(t.task_id)}/cancel`, { method: 'POST' });
    toast(`Task ${r.state}.`);
  } catch (e) {
    toast(e.message);
  }
  refresh('tasks', 'instances');
}

// ---- live updates ---------------------------------------------------------------------------------------
function connect() {
  const conn = document.getElementById('conn');
  const source = new EventSource('/events');
  const setConn = (s, text) => { conn.dataset.state = s; conn.textContent = text; };
  source.onopen = () => { setConn('live', 'live'); refresh('instances', 'tasks', 'conversation', 'approvals'); };
  source.onerror = () => setConn(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting', source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting…');
  const onInstance = (e) => {
    const event = JSON.parse(e.data);
    // A send's task says nothing until it ends; its turn starting is when it appears.
    refresh(...(event.type === 'turn.started' ? ['instances', 'tasks'] : ['instances']));
    if (event.instanceId !== state.selected) return;
    // The next read of the conversation brings the stored reply, which replaces the streamed one.
    if (event.type === 'turn.settled' && state.stream?.seq === event.seq) state.stream.settled = true;
    refresh('conversation');
  };
  for (const type of ['instance.spawned', 'instance.state_changed', 'turn.started', 'turn.settled']) source.addEventListener(type, onInstance);
  source.addEventListener('turn.text', (e) => onTurnText(JSON.parse(e.data)));
  source.addEventListener('task.progress', () => refresh('tasks'));
  source.addEventListener('activity.changed', () => refresh('instances')); // activity.js
  for (const type of ['approval.waiting', 'approval.settled']) source.addEventListener(type, () => refresh('approvals')); // approvals.js
  // A spent budget the user was asked to raise (budget-ask): the new limit shows in the instance or the global limits.
  source.addEventListener('budget.raised', (e) => {
    const { budget, to } = JSON.parse(e.data);
    const what = budget.instanceId === null ? 'MAX_TOTAL_COST' : `${budget.kind === 'tokens' ? 'max_total_tokens' : 'max_cost'} of ${nameOf(budget.instanceId)}`;
    toast(`Budget raised: ${what} to ${budget.kind === 'tokens' ? to.toLocaleString() + ' tokens' : '$' + (to / 1e9).toFixed(4)}.`);
    refresh('instances', 'limits');
  });
  source.addEventListener('budget.declined', (e) => {
    const event = JSON.parse(e.data);
    toast(`Budget not raised (${event.answer}): ${nameOf(event.instanceId)}'s call was refused.`);
  });
  source.addEventListener('call.retried', (e) => {
    const event = JSON.parse(e.data);
    if (event.instanceId === state.selected) toast(`Retrying a model call (${event.reason}) in ${fmtMs(event.afterMs)}.`);
  });
  if (source.readyState === EventSource.CLOSED) setConn('offline', 'offline');
}

/** Signs out with the CSRF header (the server refuses a form post without it) and shows the login form. */
async function signOut(e) {
  e.preventDefault();
  await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-orchestrator-csrf': '1' } }).catch(() => undefined);
  location.reload();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('show-ended').addEventListener('change', (e) => { state.showEnded = e.target.checked; refresh('instances'); });
  document.querySelector('form.signout')?.addEventListener('submit', signOut);
  window.addEventListener('hashchange', () => { const id = hashId(); if (id) select_(id); });
  renderInstances();
  renderDetail();
  refresh('limits', 'instances', 'tasks', 'conversation', 'approvals');
  connect();
  // A safety net for a stream that is down (a proxy that drops it): the page stays current within 15 s.
  setInterval(() => refresh('instances', 'tasks'), 15_000);
});
