// claude-orchestrator dashboard: the selected instance's panel, its conversation updated in place, and its reply
// as it streams (turn.text events). Loaded before dashboard.js, whose helpers (h, fmt*) and state it uses at call time.
'use strict';

/**
 * The selected instance: its head and figures, then its conversation. Each part is redrawn only when what it
 * shows changed, so an event about another instance leaves the reader's scroll position and selection alone.
 */
function renderDetail() {
  const el = document.getElementById('detail');
  const i = state.instances.find((x) => x.instance_id === state.selected);
  if (!i) {
    const key = `none:${state.selected}`;
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    el.replaceChildren(h('div', { class: 'empty' }, h('strong', {}, 'Conversation'), state.selected ? 'That instance is not on this page (ended? tick "show ended").' : 'Select an instance to follow its conversation live.'));
    return;
  }
  if (el.dataset.key !== i.instance_id) {
    el.dataset.key = i.instance_id;
    el.replaceChildren(h('div', { class: 'detail-top' }), h('div', { class: 'conversation', 'data-testid': 'conversation', tabindex: 0 }));
  }
  const top = el.querySelector('.detail-top');
  const topKey = JSON.stringify(i);
  if (top.dataset.key !== topKey) {
    top.dataset.key = topKey;
    drawDetailTop(top, i);
  }
  renderConversation(i, el.querySelector('.conversation'));
}

function drawDetailTop(top, i) {
  const live = !ENDED.has(i.state);
  const stats = [
    ['Tokens', `${fmtInt(i.usage.total_tokens)} / ${fmtInt(i.limits.max_total_tokens)}`], ['Cost', fmtUsd(i.cost_usd)],
    ['Subtree cost', fmtUsd(i.subtree.cost_usd)], ['Turns', fmtInt(i.turns)], ['Mean response', fmtMs(i.mean_response_ms)],
    ['Errors', fmtInt(i.error_count)], ['Children', fmtInt(i.children.length)], ['Expires', fmtTime(i.expires_at)],
    ['Model', i.model], ['Backend', i.backend],
  ];
  top.replaceChildren(
    h('div', { class: 'detail-head' }, h('h2', {}, i.name), badge(i.state), h('span', { class: 'muted' }, i.state_reason),
      h('span', { class: 'actions' }, live ? h('button', { class: 'danger', 'data-testid': 'terminate', onclick: () => terminate(i) }, 'Terminate') : '')),
    i.last_error ? h('p', { class: 'error' }, i.last_error) : '',
    h('dl', { class: 'stats' }, stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
}

const messageKey = (m) => JSON.stringify([m.seq, m.content.length, m.failed, m.error, m.cost_usd]);

function messageView(m) {
  return h('article', { class: 'msg', 'data-role': m.role, 'data-failed': String(Boolean(m.failed)), 'data-seq': m.seq },
    h('div', { class: 'msg-head' }, h('span', { class: 'who' }, m.role), h('span', {}, fmtTime(m.at)),
      h('span', { class: 'meta' }, m.role === 'assistant' ? `${fmtInt(m.usage?.total_tokens)} tokens · ${fmtUsd(m.cost_usd)} · ${fmtMs(m.duration_ms)}` : `#${m.seq}`)),
    h('div', { class: 'msg-body' }, m.content),
    evidenceRow(m), // evidence.js
    m.error ? h('div', { class: 'error' }, m.error) : '');
}

/**
 * The conversation box, updated in place: a message already shown keeps its element (a selection in it stays),
 * new ones are added, the streamed reply grows. It follows the end only if the reader was already there.
 */
function renderConversation(i, box) {
  const loaded = state.convFor === i.instance_id;
  const messages = loaded ? state.messages : [];
  const stream = loaded ? state.stream : null;
  const busy = i.state === 'busy';
  const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  const first = box.dataset.drawn !== 'true';
  const wanted = [];
  if (messages.length === 0 && !stream) {
    const text = loaded ? 'No messages yet: send_to_instance starts the conversation.' : 'Loading…';
    const old = box.querySelector(':scope > .placeholder');
    wanted.push(old?.textContent === text ? old : h('p', { class: 'muted placeholder' }, text));
  }
  const shown = new Map([...box.querySelectorAll(':scope > article.msg[data-key]')].map((a) => [a.dataset.key, a]));
  for (const m of messages) {
    const key = messageKey(m);
    const el = shown.get(key) ?? messageView(m);
    el.dataset.key = key;
    wanted.push(el);
  }
  if (stream) {
    const el = box.querySelector(':scope > [data-testid="streaming"]') ?? h('article', { class: 'msg', 'data-role': 'assistant', 'data-streaming': 'true', 'data-testid': 'streaming' },
      h('div', { class: 'msg-head' }, h('span', { class: 'who' }, 'assistant'), h('span', { class: 'meta' }, 'writing…')), h('div', { class: 'msg-body' }));
    const body = el.querySelector('.msg-body');
    if (body.textContent !== stream.text) body.textContent = stream.text;
    wanted.push(el);
  }
  if (busy) {
    const text = `${i.name} is answering…`;
    const old = box.querySelector(':scope > .thinking');
    wanted.push(old?.textContent === text ? old : h('p', { class: 'thinking', 'data-testid': 'thinking' }, text));
  }
  // Touch only what changed: unchanged elements are never moved (moving one would drop a selection in it).
  wanted.forEach((el, n) => {
    if (box.children[n] !== el) box.insertBefore(el, box.children[n] ?? null);
  });
  while (box.children.length > wanted.length) box.lastElementChild.remove();
  if (messages.length > 0 || stream) box.dataset.drawn = 'true';
  if (first || nearEnd) box.scrollTop = box.scrollHeight;
}

/** A turn.text chunk of the selected instance: appended to its streamed reply; a gap (the page opened mid-turn) shows as an ellipsis. */
function onTurnText(event) {
  if (event.instanceId !== state.selected) return;
  let s = state.stream;
  if (!s || s.seq !== event.seq) s = state.stream = { seq: event.seq, text: '', end: 0, settled: false };
  if (s.settled) return;
  let chunk = event.text;
  if (event.offset > s.end) chunk = `${s.text === '' ? '' : ' '}… ${chunk}`;
  else if (event.offset < s.end) chunk = chunk.slice(s.end - event.offset);
  s.text += chunk;
  s.end = Math.max(s.end, event.offset + event.text.length);
  renderDetail();
}
