import { echo } from './default-reply.js';
import type { OrchestratorPrompt, TaggedBlock } from './orchestrator-prompts.js';
import { planReplyText } from './plan-reply.js';
import type { RoleProfile } from './role-profiles.js';

/**
 * Templated answers to the orchestrator's own requests, in the format each asks for: JSON for plans and
 * votes, plain text (naming the parts it builds on) for the rest. Every prose answer says it is simulated.
 */

const SIMULATED = '(Simulated reply from the local Messages API simulator; no model was called.)';
const QUOTE_CHARS = 120;

export function coordinationReply(prompt: OrchestratorPrompt, profile: RoleProfile): string {
  switch (prompt.kind) {
    case 'plan':
    case 'plan_retry':
      return planReplyText(prompt.task, prompt.team);
    case 'vote':
      return JSON.stringify(simulatedVote(prompt.proposals));
    case 'subtask':
      return subtaskReply(prompt, profile);
    case 'integration':
      return integrationReply(prompt);
    case 'synthesis':
      return synthesisReply(prompt);
    case 'step':
      return stepReply(prompt, profile);
    case 'proposal':
      return proposalReply(prompt, profile);
    case 'decision':
      return decisionReply(prompt);
  }
}

export interface SimulatedVote {
  readonly vote: string;
  readonly reason: string;
}

/**
 * Every voter picks the same proposal, the most complete one (the most words; the lower id on a tie), so a
 * simulated team reaches quorum in the first round whatever the quorum rule.
 */
export function simulatedVote(proposals: readonly TaggedBlock[]): SimulatedVote {
  let best: { id: string; words: number } | undefined;
  for (const proposal of proposals) {
    const id = proposal.attrs['id'] ?? '';
    const words = wordCount(proposal.body);
    if (best === undefined || words > best.words) best = { id, words };
  }
  if (best === undefined) return { vote: 'P1', reason: 'Simulated vote: no proposal was listed, so this names the first one.' };
  return { vote: best.id, reason: `Simulated vote: ${best.id} is the most complete proposal (${best.words} words).` };
}

function subtaskReply(prompt: Extract<OrchestratorPrompt, { kind: 'subtask' }>, profile: RoleProfile): string {
  const lines = [`[Simulated ${profile.title}] Sub-task ${prompt.subtaskId}: ${echo(prompt.description, 2 * QUOTE_CHARS)}`];
  if (prompt.dependencies.length > 0) lines.push('', 'Building on:', ...prompt.dependencies.map(quoteBlock));
  lines.push('', `My part: ${profile.approach}`, SIMULATED);
  return lines.join('\n');
}

function integrationReply(prompt: Extract<OrchestratorPrompt, { kind: 'integration' }>): string {
  const done = prompt.results.filter((r) => r.tag === 'subtask_result');
  const missing = prompt.results.filter((r) => r.tag === 'subtask_missing');
  const lines = [`Integrated answer to "${echo(prompt.task)}", from ${done.length} sub-task result(s):`, ...done.map(quoteBlock)];
  if (missing.length > 0) {
    lines.push('', 'Missing, so not covered here:', ...missing.map((m) => `- ${m.attrs['id'] ?? '?'} by ${m.attrs['assignee'] ?? 'a member'} (${m.attrs['status'] ?? 'no result'})`));
  }
  lines.push('', SIMULATED);
  return lines.join('\n');
}

function synthesisReply(prompt: Extract<OrchestratorPrompt, { kind: 'synthesis' }>): string {
  const replied = prompt.replies.filter((r) => r.tag === 'reply');
  const silent = prompt.replies.filter((r) => r.tag === 'no_reply');
  const how = prompt.mode === 'parallel' ? 'the members’ independent replies' : 'the chain’s steps, in order';
  const lines = [`Combined answer to "${echo(prompt.task)}", from ${how}:`, ...replied.map(quoteBlock)];
  if (silent.length > 0) lines.push('', `No reply from ${silent.map((s) => s.attrs['from'] ?? 'a member').join(', ')}; their part is missing.`);
  lines.push('', SIMULATED);
  return lines.join('\n');
}

function stepReply(prompt: Extract<OrchestratorPrompt, { kind: 'step' }>, profile: RoleProfile): string {
  const lines = [`[Simulated ${profile.title}, step ${prompt.position} of ${prompt.total}] My contribution to "${echo(prompt.task)}": ${profile.approach}`];
  if (prompt.previous.length > 0) lines.push('Building on the earlier steps:', ...prompt.previous.map(quoteBlock));
  lines.push(SIMULATED);
  return lines.join('\n');
}

function proposalReply(prompt: Extract<OrchestratorPrompt, { kind: 'proposal' }>, profile: RoleProfile): string {
  return `[Simulated ${profile.title}] Proposal for "${echo(prompt.task)}": ${profile.approach} ${SIMULATED}`;
}

function decisionReply(prompt: Extract<OrchestratorPrompt, { kind: 'decision' }>): string {
  const id = prompt.chosen.attrs['id'] ?? 'the chosen proposal';
  const author = prompt.chosen.attrs['author'] ?? 'a member';
  const lines = [
    `Team decision on "${echo(prompt.task)}": ${id} by ${author}, chosen with ${prompt.votes} of ${prompt.voters} votes.`,
    '',
    withoutNotes(prompt.chosen.body),
  ];
  if (prompt.dissent.length > 0) {
    lines.push('', 'Dissent, noted:', ...prompt.dissent.map((d) => `- ${d.attrs['from'] ?? 'a member'}: "${echo(d.body, QUOTE_CHARS)}"`));
  }
  lines.push('', SIMULATED);
  return lines.join('\n');
}

/** "- t1 by Bo (backend_developer): "…"" for a sub-task result; "- Bo (backend_developer): "…"" for a reply. */
function quoteBlock(block: TaggedBlock): string {
  const id = block.attrs['id'] ?? block.attrs['subtask'] ?? (block.attrs['step'] ? `step ${block.attrs['step']}` : undefined);
  const who = block.attrs['assignee'] ?? block.attrs['from'] ?? 'a member';
  const body = block.tag === 'no_reply' ? `no reply (${block.attrs['status'] ?? 'failed'})` : `"${echo(withoutNotes(block.body), QUOTE_CHARS)}"`;
  return `- ${id ? `${id} by ` : ''}${who}: ${body}`;
}

/** A reply without the simulator's own labels, so a quote of it shows what it says. */
function withoutNotes(text: string): string {
  return text
    .replace(/^\[Simulated [^\]\n]*\]\s*/, '')
    .replace(/\((?:This reply comes from the local Messages API simulator|Simulated reply)[^)]*no model was called\.\)/g, '')
    .trim();
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
