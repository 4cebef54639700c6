// claude-orchestrator dashboard: permission asks of claude-code agents waiting for an answer (GET /approvals),
// answered with POST /approvals/{id}. Loaded before dashboard.js; uses its api(), h(), toast(), fmtTime() and
// refresh() once the page runs. The panel shows only while something waits.
'use strict';

const approvals = { list: [], answering: new Set() };
const DECISIONS = [['allow_once', 'Allow once', ''], ['allow_instance', 'Allow for instance', 'ghost'], ['deny', 'Deny', 'danger']];

async function loadApprovals() {
  approvals.list = (await api('/approvals')).approvals ?? [];
  renderApprovals();
}

function renderApprovals() {
  const el = document.getElementById('approvals');
  if (!el) return;
  document.getElementById('approvals-panel').hidden = approvals.list.length === 0;
  el.replaceChildren(...approvals.list.map(approvalItem));
}

function approvalItem(a) {
  const busy = approvals.answering.has(a.approval_id);
  return h('li', { class: 'approval', 'data-approval': a.approval_id },
    h('div', {}, h('strong', {}, a.tool), ' ', h('span', { class: 'muted' }, a.agent_path)),
    h('div', { class: 'reason' }, a.reason),
    h('pre', { class: 'approval-input' }, JSON.stringify(a.input, null, 2).slice(0, 2000)),
    h('div', { class: 'approval-actions' },
      DECISIONS.map(([decision, label, cls]) => h('button', { type: 'button', class: cls || undefined, disabled: busy, onclick: () => answerApproval(a, decision, label) }, label)),
      h('span', { class: 'reason' }, `denied at ${fmtTime(a.expires_at)} unless answered`)));
}

async function answerApproval(a, decision, label) {
  approvals.answering.add(a.approval_id);
  renderApprovals();
  try {
    await api(`/approvals/${encodeURIComponent(a.approval_id)}`, { method: 'POST', body: JSON.stringify({ decision }) });
    toast(`${label}: ${a.tool} for ${a.agent_path.split(' → ').pop()}.`);
  } catch (e) {
    toast(e.message);
  } finally {
    approvals.answering.delete(a.approval_id);
    refresh('approvals');
  }
}
