import type { InstanceView, MessageView } from '../orchestrator/views.js';
import type { OutputResult } from '../orchestrator/results.js';
import { evidenceLine, verificationLine } from '../evidence/evidence-line.js';
import { oneLine, usd } from '../text/human-format.js';

/**
 * An instance's conversation as readable markdown: who it is, then one section per message (role, time,
 * text, and for a model turn its usage, cost, duration and stop reason). `page` is a window of the
 * conversation; when it is not all of it, a note says how to read the rest with get_instance_output.
 */
export function conversationMarkdown(instance: InstanceView, page: OutputResult): string {
  const lines = [
    `# ${instance.name} (${instance.instance_id})`,
    '',
    `${instance.role} · ${instance.model} · ${instance.backend} · ${instance.state} (${instance.state_reason}) · ${instance.turns} turns · ` +
      `${instance.usage.total_tokens} tokens · ${usd(instance.cost_usd)}`,
    '',
    windowNote(page),
  ];
  for (const message of page.messages) lines.push('', ...messageSection(message));
  return `${lines.join('\n')}\n`;
}

function windowNote(page: OutputResult): string {
  if (page.total === 0) return 'No messages yet.';
  const first = page.offset + 1;
  const last = page.offset + page.messages.length;
  if (first === 1 && last >= page.total) return `All ${page.total} messages.`;
  return (
    `Messages ${first}–${last} of ${page.total} (the most recent). Earlier ones: get_instance_output with ` +
    `{"instance_id": "${page.instance_id}", "offset": 0, "limit": ${page.limit}}, then the next offsets.`
  );
}

function messageSection(m: MessageView): string[] {
  const facts = [m.at];
  if (m.usage) facts.push(`${m.usage.input_tokens} in / ${m.usage.output_tokens} out tokens`);
  if (m.cost_usd !== undefined) facts.push(usd(m.cost_usd, 'cost unknown'));
  if (m.duration_ms !== undefined) facts.push(`${m.duration_ms} ms`);
  if (m.stop_reason) facts.push(m.stop_reason);
  if (m.failed) facts.push(`failed${m.error ? `: ${m.error}` : ''}`);
  const section = [`## ${m.seq}. ${m.role} · ${facts.join(' · ')}`, '', m.content === '' ? '_(no text)_' : m.content];
  for (const call of m.tool_calls ?? []) section.push('', `- tool ${call.name}${call.is_error ? ' (error)' : ''}: ${oneLine(call.result, 200)}`);
  if (m.verification) section.push('', `- ${verificationLine(m.verification)}`);
  if (m.evidence && m.verification) section.push(`- evidence: ${oneLine(evidenceLine(m.evidence), 300)}`);
  return section;
}
