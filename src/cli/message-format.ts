import type { MessageView } from '../orchestrator/views.js';
import { verificationLine } from '../evidence/evidence-line.js';
import { clockTime, localDate, oneLine, usd } from '../text/human-format.js';
import { stripControls } from '../text/terminal-safe.js';

/**
 * One conversation message for `logs`: a header with its time, role and (for a reply) what the turn used,
 * then its text indented.
 *
 *   07:58:03 assistant  512 tokens (412 in, 100 out) · $0.0021 · 1.9 s · claude-sonnet-5-5
 *     Rivers bend and run…
 *
 * Replies, tool results and errors come from models and tools: their control characters are removed (a reply
 * must not recolour or retitle the reader's terminal); newlines and tabs stay.
 */
export function formatMessage(m: MessageView, now: Date = new Date()): string {
  const facts: string[] = [];
  if (m.usage) facts.push(`${m.usage.total_tokens.toLocaleString('en-US')} tokens (${m.usage.input_tokens} in, ${m.usage.output_tokens} out${cacheText(m)})`);
  if (m.cost_usd !== undefined) facts.push(usd(m.cost_usd));
  if (m.duration_ms !== undefined) facts.push(`${(m.duration_ms / 1000).toFixed(1)} s`);
  if (m.model !== undefined) facts.push(m.model);
  if (m.failed) facts.push(`FAILED${m.error ? `: ${m.error}` : ''}`);
  const header = `${when(m.at, now)} ${m.role.padEnd(9)}${facts.length > 0 ? `  ${facts.join(' · ')}` : ''}`.trimEnd();
  const body = m.content.length > 0 ? indent(m.content) : '    (empty)';
  const calls = (m.tool_calls ?? []).map((c) => `    ↳ ${c.name}${c.is_error ? ' (error)' : ''}: ${oneLine(c.result, 100)}`);
  const proof = m.verification ? [`    ${verificationLine(m.verification)}`] : [];
  return stripControls([header, body, ...calls, ...proof].join('\n'));
}

function cacheText(m: MessageView): string {
  const u = m.usage;
  if (!u) return '';
  const parts = [];
  if (u.cache_read_input_tokens > 0) parts.push(`${u.cache_read_input_tokens} cache read`);
  if (u.cache_creation_input_tokens > 0) parts.push(`${u.cache_creation_input_tokens} cache write`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

/** HH:MM:SS today, the date too on an older message; local time, as a person reads a clock. */
function when(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toDateString() === now.toDateString() ? clockTime(at) : `${localDate(at)} ${clockTime(at)}`;
}

function indent(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
