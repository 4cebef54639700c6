/**
 * Recognises the structured requests the orchestrator's own coordination strategies send (see
 * src/coordination/prompts.ts): a plan, its retry, a sub-task, an integration, a synthesis, a step of a
 * chain, a consensus proposal, a vote and a decision. Recognised by the fixed instructions the orchestrator
 * writes, never by the task, so any free-form task works; the tagged blocks (<task>, <proposal id="P1">, ...)
 * and the team list are read back out so a reply can name real ids.
 */

/** A team member as the plan prompt lists it: "- inst_…: Name (role_id)". */
export interface TeamMember {
  readonly id: string;
  readonly name: string;
  readonly roleId: string;
}

/** One XML-style block of a prompt, e.g. <proposal id="P1" author="Ana (architect)">…</proposal>. */
export interface TaggedBlock {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly body: string;
}

export type OrchestratorPrompt =
  | { readonly kind: 'plan'; readonly task: string; readonly team: readonly TeamMember[] }
  | { readonly kind: 'plan_retry'; readonly task: string; readonly team: readonly TeamMember[]; readonly errors: readonly string[] }
  | { readonly kind: 'subtask'; readonly task: string; readonly subtaskId: string; readonly description: string; readonly dependencies: readonly TaggedBlock[] }
  | { readonly kind: 'integration'; readonly task: string; readonly results: readonly TaggedBlock[] }
  | { readonly kind: 'synthesis'; readonly task: string; readonly mode: 'parallel' | 'sequential'; readonly replies: readonly TaggedBlock[] }
  | { readonly kind: 'step'; readonly task: string; readonly position: number; readonly total: number; readonly previous: readonly TaggedBlock[] }
  | { readonly kind: 'proposal'; readonly task: string; readonly teamSize: number }
  | { readonly kind: 'vote'; readonly task: string; readonly round: number; readonly proposals: readonly TaggedBlock[]; readonly ownProposalId: string | undefined }
  | {
      readonly kind: 'decision';
      readonly task: string;
      readonly chosen: TaggedBlock;
      readonly votes: number;
      readonly voters: number;
      readonly dissent: readonly TaggedBlock[];
    };

export type OrchestratorPromptKind = OrchestratorPrompt['kind'];

const MARKERS = {
  plan: /Split it into sub-tasks and assign each to one team member/,
  planRetry: /Your plan could not be used:/,
  planFormat: /\{"subtasks":\[/,
  subtask: /You are doing one part of a larger task/,
  integration: /Your team has finished the sub-tasks of your plan\. Integrate their results/,
  synthesis: /You are coordinating a team\. (Each member below worked on the task independently|The members below worked on the task in order)[\s\S]*Combine their work/,
  step: /You are step (\d+) of (\d+) in a chain of team members/,
  proposal: /You are one of (\d+) team members who each propose an answer to the task below independently/,
  vote: /Voting round (\d+) of at most (\d+)\. The team is choosing one proposal/,
  ownProposal: /\(it may be your own, (P\d+)\)/,
  decision: /Your team voted on proposals for the task below and chose (P\d+) by .*?, with (\d+) of (\d+) votes\./,
} as const;

/**
 * The orchestrator request `text` (the latest user message) is, or undefined for anything else. `earlier`
 * holds the conversation's earlier user messages: a plan retry does not repeat the task, its first plan
 * prompt does.
 */
export function recogniseOrchestratorPrompt(text: string, earlier: readonly string[] = []): OrchestratorPrompt | undefined {
  const blocks = taggedBlocks(text);
  const task = blockBody(blocks, 'task') ?? '';
  if (MARKERS.plan.test(text) && MARKERS.planFormat.test(text)) return { kind: 'plan', task, team: teamList(text) };
  if (MARKERS.planRetry.test(text) && MARKERS.planFormat.test(text)) {
    const planned = earlier.findLast((message) => MARKERS.plan.test(message));
    return { kind: 'plan_retry', task: (planned && blockBody(taggedBlocks(planned), 'task')) ?? '', team: teamList(text), errors: bulletList(text) };
  }
  if (MARKERS.integration.test(text)) {
    return { kind: 'integration', task, results: blocks.filter((b) => b.tag === 'subtask_result' || b.tag === 'subtask_missing') };
  }
  const synthesis = MARKERS.synthesis.exec(text);
  if (synthesis) {
    const mode = synthesis[1]?.startsWith('Each') ? 'parallel' : 'sequential';
    return { kind: 'synthesis', task, mode, replies: memberBlocks(blocks) };
  }
  const decision = MARKERS.decision.exec(text);
  const chosen = blocks.find((b) => b.tag === 'chosen_proposal');
  if (decision && chosen) {
    return { kind: 'decision', task, chosen, votes: Number(decision[2]), voters: Number(decision[3]), dissent: blocks.filter((b) => b.tag === 'dissent') };
  }
  const vote = MARKERS.vote.exec(text);
  if (vote) {
    const proposals = blocks.filter((b) => b.tag === 'proposal');
    return { kind: 'vote', task, round: Number(vote[1]), proposals, ownProposalId: MARKERS.ownProposal.exec(text)?.[1] };
  }
  const subtask = blocks.find((b) => b.tag === 'your_subtask');
  if (MARKERS.subtask.test(text) && subtask) {
    return {
      kind: 'subtask',
      task: blockBody(blocks, 'overall_task') ?? '',
      subtaskId: subtask.attrs['id'] ?? '',
      description: subtask.body,
      dependencies: memberBlocks(blocks),
    };
  }
  const step = MARKERS.step.exec(text);
  if (step) return { kind: 'step', task, position: Number(step[1]), total: Number(step[2]), previous: memberBlocks(blocks) };
  const proposal = MARKERS.proposal.exec(text);
  if (proposal) return { kind: 'proposal', task, teamSize: Number(proposal[1]) };
  return undefined;
}

/** Every top-level block `<tag a="…">\n…\n</tag>` in order; attribute values never hold `"` (the orchestrator swaps them). */
export function taggedBlocks(text: string): TaggedBlock[] {
  const found: TaggedBlock[] = [];
  for (const match of text.matchAll(/<([a-z_]+)((?:\s+[a-z_]+="[^"]*")*)>\n([\s\S]*?)\n<\/\1>/g)) {
    const attrs: Record<string, string> = {};
    for (const attr of (match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)) attrs[attr[1] ?? ''] = attr[2] ?? '';
    found.push({ tag: match[1] ?? '', attrs, body: match[3] ?? '' });
  }
  return found;
}

function blockBody(blocks: readonly TaggedBlock[], tag: string): string | undefined {
  return blocks.find((b) => b.tag === tag)?.body;
}

/** Members' work: their replies, and the notes where one gave none. */
function memberBlocks(blocks: readonly TaggedBlock[]): TaggedBlock[] {
  return blocks.filter((b) => b.tag === 'reply' || b.tag === 'no_reply');
}

/** The team as listed under "Team members": "- <id>: <name> (<role id>)" per line. */
export function teamList(text: string): TeamMember[] {
  const section = /Team members[^\n]*:\n((?:- [^\n]*\n?)+)/.exec(text)?.[1] ?? '';
  const members: TeamMember[] = [];
  for (const line of section.split('\n')) {
    const member = /^- (\S+): (.*) \(([^()]*)\)\s*$/.exec(line);
    if (member) members.push({ id: member[1] ?? '', name: member[2] ?? '', roleId: member[3] ?? '' });
  }
  return members;
}

/** The "- …" lines a plan retry quotes its errors in. */
function bulletList(text: string): string[] {
  const section = /could not be used:\n+((?:- [^\n]*\n?)+)/.exec(text)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
}
