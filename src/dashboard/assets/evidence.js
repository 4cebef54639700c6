// claude-orchestrator dashboard: one line under each assistant turn saying what the agent did, from the turn's
// stored evidence, and whether that backs its reply: "✓ verified · Write×1 Bash×2 · 1 file · 2 commands (1 failed)
// · 3 calls · 12,345 tokens", or "⚠ unverified: no tool call and no file change…". The details (files with their
// sha256, commands with their exit codes) are its tooltip. Text only; uses dashboard.js's h() at call time.
'use strict';

const evidencePlural = (n, noun) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** A command that exited non-zero or never ran (src/evidence/verify.ts: a background one still running is neither). */
function evidenceCommandFailed(c) {
  if (c.exit_code !== null && c.exit_code !== undefined) return c.exit_code !== 0;
  return c.background !== true && (String(c.note ?? '').startsWith('did not run') || c.note === 'failed');
}

function evidenceText(e, v) {
  const tools = Object.entries(e.tool_calls ?? {}).map(([name, n]) => `${name}×${n}`).join(' ');
  const files = e.files ?? [];
  const commands = e.commands ?? [];
  const failed = commands.filter(evidenceCommandFailed).length;
  return [
    v ? (v.status === 'verified' ? '✓ verified' : `⚠ unverified: ${v.reason}`) : '',
    tools,
    files.length > 0 ? evidencePlural(files.length, 'file') : '',
    commands.length > 0 ? `${evidencePlural(commands.length, 'command')}${failed > 0 ? ` (${failed} failed)` : ''}` : '',
    evidencePlural(e.model_calls ?? 0, 'call'),
    `${evidencePlural(e.tokens ?? 0, 'token')}`,
  ].filter(Boolean).join(' · ');
}

/** The tooltip: why (verified by what), then each file and command. */
function evidenceDetail(e, v) {
  const lines = v ? [`${v.status}: ${v.reason}`] : [];
  for (const f of e.files ?? []) lines.push(`${f.deleted ? 'deleted' : 'file'} ${f.path}${f.bytes !== null && f.bytes !== undefined ? ` (${f.bytes} bytes)` : ''}${f.sha256 ? ` sha256 ${f.sha256.slice(0, 12)}…` : ''}`);
  for (const c of e.commands ?? []) lines.push(`$ ${c.command} → ${c.exit_code !== null && c.exit_code !== undefined ? `exit ${c.exit_code}` : c.background ? 'background' : (c.note ?? 'unknown')}`);
  return lines.join('\n');
}

/** The evidence line of an assistant turn, or nothing for a message without evidence (user messages, older turns). */
function evidenceRow(m) {
  if (m.role !== 'assistant' || !m.evidence) return '';
  const v = m.verification;
  return h('div', { class: 'evidence', 'data-testid': 'evidence', 'data-verification': v ? v.status : 'none', title: evidenceDetail(m.evidence, v) }, evidenceText(m.evidence, v));
}
