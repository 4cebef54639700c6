import type { PlannedSubtask } from './plan.js';
import type { ParticipantInfo, ParticipantResult } from './types.js';

/**
 * Every message a coordination strategy sends, in one place. Prompts are role-neutral (the instance's own
 * role prompt says who it is) and wrap other members' work in XML-style tags, which keeps the task, each
 * reply and our instructions apart however long or oddly formatted the replies are.
 */

/** "Ana (architect)": how members are named in prompts, progress and summaries. */
export function label(p: ParticipantInfo): string {
  return `${p.name} (${p.role})`;
}

function attr(text: string): string {
  return text.replace(/"/g, "'").replace(/\s+/g, ' ').trim();
}

function tag(name: string, attributes: Record<string, string>, body: string): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${attr(v)}"`)
    .join('');
  return `<${name}${attrs}>\n${body.trim()}\n</${name}>`;
}

function taskBlock(task: string, name = 'task'): string {
  return tag(name, {}, task);
}

/** A participant's outcome as a tagged block: its reply, or a note that it has none and why. */
function outcomeBlock(r: ParticipantResult, attributes: Record<string, string> = {}): string {
  const from = { from: label(r), ...attributes };
  if (r.status === 'completed') return tag('reply', from, r.reply ?? '');
  return tag('no_reply', { ...from, status: r.status }, r.error ?? `No reply (${r.status}).`);
}

// ---- parallel and sequential: synthesis -------------------------------------------------------------

/** Asks the coordinator for one answer built from the members' replies; failures are named, not hidden. */
export function synthesisPrompt(task: string, results: readonly ParticipantResult[], mode: 'parallel' | 'sequential'): string {
  const how =
    mode === 'parallel'
      ? 'Each member below worked on the task independently.'
      : 'The members below worked on the task in order, each building on the work before it.';
  const missing = results.filter((r) => r.status !== 'completed');
  const note =
    missing.length > 0
      ? `\n\n${missing.length} of ${results.length} members gave no reply (marked no_reply above). Do not invent their part; say what is missing because of it.`
      : '';
  return [
    `You are coordinating a team. ${how} Combine their work into one complete answer to the task: keep what is correct and useful, resolve disagreements (say briefly which view you took and why), and fill gaps.`,
    taskBlock(task),
    results.map((r) => outcomeBlock(r)).join('\n\n'),
    `Reply with the combined answer itself, ready to use.${note}`,
  ].join('\n\n');
}

// ---- sequential ---------------------------------------------------------------------------------------

/** Step `position` (1-based) of a chain: the task plus every earlier step's reply, labelled. */
export function sequentialStepPrompt(task: string, previous: readonly ParticipantResult[], position: number, total: number): string {
  if (total === 1) return task;
  if (previous.length === 0) {
    return [
      `You are step 1 of ${total} in a chain of team members working on the task below. Later steps will build on your answer, so make it complete and clear.`,
      taskBlock(task),
    ].join('\n\n');
  }
  return [
    `You are step ${position} of ${total} in a chain of team members working on the task below. The work of the earlier steps follows. Build on it: extend, improve or correct it as the task needs, and give your complete contribution.`,
    taskBlock(task),
    previous.map((r, i) => outcomeBlock(r, { step: String(i + 1) })).join('\n\n'),
  ].join('\n\n');
}

// ---- hierarchical -------------------------------------------------------------------------------------

const PLAN_FORMAT = '{"subtasks":[{"id":"t1","assignee":"<member id>","description":"<what to do>","depends_on":[]}]}';

function teamList(team: readonly ParticipantInfo[]): string {
  return team.map((m) => `- ${m.instance_id}: ${label(m)}`).join('\n');
}

/** Asks the coordinator to split the task into sub-tasks for the team, as JSON only. */
export function planPrompt(task: string, team: readonly ParticipantInfo[]): string {
  return [
    'You are coordinating a team on the task below. Split it into sub-tasks and assign each to one team member. Do not do the work yourself: the members do the sub-tasks, and you will integrate their results afterwards.',
    taskBlock(task),
    `Team members (use the id as "assignee"):\n${teamList(team)}`,
    `Reply with ONLY a JSON object, no other text, in this shape:\n${PLAN_FORMAT}`,
    [
      'Rules:',
      '- at least one sub-task; ids are short and unique (t1, t2, ...);',
      '- "assignee" is one of the member ids above;',
      '- "depends_on" lists the ids of sub-tasks whose results this one needs; those run first, and there must be no cycles;',
      '- sub-tasks without dependencies run at the same time, so add a dependency only when the result is really needed;',
      '- a member sees only the overall task, its sub-task description and the results of its dependencies, so make each description self-contained.',
    ].join('\n'),
  ].join('\n\n');
}

/** The one retry: the validation errors quoted back, and the format again. */
export function planRetryPrompt(errors: readonly string[], team: readonly ParticipantInfo[]): string {
  return [
    'Your plan could not be used:',
    errors.map((e) => `- ${e}`).join('\n'),
    `Team members:\n${teamList(team)}`,
    `Reply again with ONLY the corrected JSON object, no other text, in this shape:\n${PLAN_FORMAT}`,
  ].join('\n\n');
}

export interface DependencyOutcome {
  readonly subtask: PlannedSubtask;
  readonly result: ParticipantResult;
}

/** One sub-task for its assignee: the overall task, its own description and its dependencies' results. */
export function subtaskPrompt(task: string, subtask: PlannedSubtask, dependencies: readonly DependencyOutcome[]): string {
  const parts = [
    'You are doing one part of a larger task; the team coordinator assigned it to you, and other members do the other parts.',
    taskBlock(task, 'overall_task'),
    tag('your_subtask', { id: subtask.id }, subtask.description),
  ];
  if (dependencies.length > 0) {
    parts.push(
      'Results of the sub-tasks yours depends on:',
      dependencies.map((d) => outcomeBlock(d.result, { subtask: d.subtask.id })).join('\n\n'),
    );
  }
  parts.push('Do your sub-task completely and reply with its result.');
  return parts.join('\n\n');
}

/** Asks the coordinator to integrate the sub-task results into one answer. */
export function integrationPrompt(task: string, outcomes: readonly DependencyOutcome[]): string {
  const missing = outcomes.filter((o) => o.result.status !== 'completed');
  const blocks = outcomes.map((o) => {
    const body = o.result.status === 'completed' ? (o.result.reply ?? '') : (o.result.error ?? `No result (${o.result.status}).`);
    return tag(o.result.status === 'completed' ? 'subtask_result' : 'subtask_missing', {
      id: o.subtask.id,
      assignee: label(o.result),
      description: o.subtask.description,
      ...(o.result.status === 'completed' ? {} : { status: o.result.status }),
    }, body);
  });
  const note =
    missing.length > 0
      ? `\n\n${missing.length} of ${outcomes.length} sub-tasks have no result (subtask_missing above). Do not invent their results; say what is missing because of it.`
      : '';
  return [
    'Your team has finished the sub-tasks of your plan. Integrate their results into one complete answer to the task: combine them, resolve conflicts, and fill small gaps.',
    taskBlock(task),
    blocks.join('\n\n'),
    `Reply with the integrated answer itself, ready to use.${note}`,
  ].join('\n\n');
}

// ---- consensus ----------------------------------------------------------------------------------------

export interface ProposalView {
  readonly id: string;
  readonly author: ParticipantInfo;
  readonly text: string;
}

/** The independent proposal every member makes first. */
export function proposalPrompt(task: string, teamSize: number): string {
  return [
    `You are one of ${teamSize} team members who each propose an answer to the task below independently; afterwards everyone votes on the proposals. Give your proposal: a complete, self-contained answer to the task.`,
    taskBlock(task),
  ].join('\n\n');
}

export interface VotePromptInput {
  readonly task: string;
  readonly round: number;
  readonly maxRounds: number;
  readonly proposals: readonly ProposalView[];
  /** The voter's own proposal, if it made one: it may revise it. */
  readonly ownProposalId: string | undefined;
  /** How the previous round went, e.g. "P1: 2 votes (Ana, Bo); P2: 1 vote (Cy)", with reasons. */
  readonly previousRound: string | undefined;
}

/** A voting round: every proposal labelled P1..Pn with its author, and the JSON vote format. */
export function votePrompt(input: VotePromptInput): string {
  const own = input.ownProposalId;
  const format = own
    ? `{"vote":"P1","reason":"<one or two sentences>","revised_proposal":"<optional: a new full text for your own proposal ${own}>"}`
    : '{"vote":"P1","reason":"<one or two sentences>"}';
  const parts = [
    `Voting round ${input.round} of at most ${input.maxRounds}. The team is choosing one proposal for the task below. Read every proposal and vote for the one you judge best${own ? ` (it may be your own, ${own})` : ''}.`,
    taskBlock(input.task),
    input.proposals.map((p) => tag('proposal', { id: p.id, author: label(p.author) }, p.text)).join('\n\n'),
  ];
  if (input.previousRound) parts.push(`No proposal reached the required support in the previous round:\n${input.previousRound}`);
  parts.push(`Reply with ONLY a JSON object, no other text:\n${format}`);
  if (own) parts.push(`Add "revised_proposal" only to change your own proposal ${own} for the next round (for example to take in others' points); leave it out otherwise.`);
  return parts.join('\n\n');
}

export interface DecisionPromptInput {
  readonly task: string;
  readonly decision: ProposalView;
  readonly votes: number;
  readonly voters: number;
  /** Members who voted otherwise or abstained, with their reasons. */
  readonly dissent: readonly { readonly who: ParticipantInfo; readonly text: string }[];
}

/** Asks the coordinator to state the decision the team reached. */
export function decisionPrompt(input: DecisionPromptInput): string {
  const parts = [
    `Your team voted on proposals for the task below and chose ${input.decision.id} by ${label(input.decision.author)}, with ${input.votes} of ${input.voters} votes. State the team's final decision as one clear answer based on the chosen proposal. Where a dissenting concern matters, address it briefly.`,
    taskBlock(input.task),
    tag('chosen_proposal', { id: input.decision.id, author: label(input.decision.author) }, input.decision.text),
  ];
  if (input.dissent.length > 0) parts.push(input.dissent.map((d) => tag('dissent', { from: label(d.who) }, d.text)).join('\n\n'));
  return parts.join('\n\n');
}
