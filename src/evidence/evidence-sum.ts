import type { Evidence, Verification } from './types.js';
import { commandFailed } from './verify.js';

/** Evidence added up over turns: tool calls by name, counts of files and commands, model calls, tokens. */
export interface EvidenceSum {
  tool_calls: Record<string, number>;
  /** Distinct files changed. */
  files: number;
  commands: number;
  /** Commands that exited non-zero or did not run. */
  failed_commands: number;
  model_calls: number;
  tokens: number;
}

/**
 * One agent's part of a run. `verification` is `verified` when any of its turns was, `unverified` when it
 * works through tools and none was (with the last reason), null for a plain conversation (text only).
 */
export interface ParticipantEvidence extends EvidenceSum {
  instance_id: string;
  name: string;
  role: string;
  turns: number;
  verification: Verification['status'] | null;
  reason?: string;
}

/** A coordination run's evidence: the whole run's sum, how many agents were verified or not, and each agent's sum. */
export interface RunEvidence extends EvidenceSum {
  verified: number;
  unverified: number;
  participants: ParticipantEvidence[];
}

interface ParticipantTally {
  readonly who: { readonly instance_id: string; readonly name: string; readonly role: string };
  readonly sum: EvidenceSum;
  readonly paths: ReadonlySet<string>;
  readonly turns: number;
  readonly verified: boolean;
  readonly unverifiedReason: string | undefined;
}

/** What a run's turns did, per agent in the order they first finished a turn. A value: `addTurnEvidence` returns a new one. */
export interface EvidenceTally {
  readonly participants: ReadonlyMap<string, ParticipantTally>;
}

export const EMPTY_EVIDENCE_TALLY: EvidenceTally = Object.freeze({ participants: new Map<string, ParticipantTally>() });

const EMPTY_SUM: EvidenceSum = Object.freeze({ tool_calls: Object.freeze({}), files: 0, commands: 0, failed_commands: 0, model_calls: 0, tokens: 0 });

/** Adds one completed turn of `who` (a turn without evidence, from an older result, adds only to its turn count). */
export function addTurnEvidence(
  tally: EvidenceTally,
  who: { readonly instance_id: string; readonly name: string; readonly role: string },
  turn: { readonly evidence?: Evidence | undefined; readonly verification?: Verification | undefined },
): EvidenceTally {
  const before = tally.participants.get(who.instance_id);
  const paths = new Set(before?.paths);
  for (const file of turn.evidence?.files ?? []) paths.add(file.path);
  const sum = turn.evidence ? addEvidence(before?.sum ?? EMPTY_SUM, turn.evidence, paths.size) : (before?.sum ?? EMPTY_SUM);
  const next: ParticipantTally = {
    who: before?.who ?? { instance_id: who.instance_id, name: who.name, role: who.role },
    sum,
    paths,
    turns: (before?.turns ?? 0) + 1,
    verified: (before?.verified ?? false) || turn.verification?.status === 'verified',
    unverifiedReason: turn.verification?.status === 'unverified' ? turn.verification.reason : before?.unverifiedReason,
  };
  const participants = new Map(tally.participants);
  participants.set(who.instance_id, next);
  return { participants };
}

/** A participant's sum with one more turn; `files` is its count of distinct paths so far (a file changed twice counts once). */
function addEvidence(sum: EvidenceSum, evidence: Evidence, files: number): EvidenceSum {
  const turn: EvidenceSum = {
    tool_calls: evidence.tool_calls,
    files: 0,
    commands: evidence.commands.length,
    failed_commands: evidence.commands.filter(commandFailed).length,
    model_calls: evidence.model_calls,
    tokens: evidence.tokens,
  };
  return { ...addSums(sum, turn), files };
}

/** Two sums added: tool calls by name, and every count. */
function addSums(a: EvidenceSum, b: EvidenceSum): EvidenceSum {
  const toolCalls: Record<string, number> = { ...a.tool_calls };
  for (const [name, n] of Object.entries(b.tool_calls)) toolCalls[name] = (toolCalls[name] ?? 0) + n;
  return {
    tool_calls: toolCalls,
    files: a.files + b.files,
    commands: a.commands + b.commands,
    failed_commands: a.failed_commands + b.failed_commands,
    model_calls: a.model_calls + b.model_calls,
    tokens: a.tokens + b.tokens,
  };
}

/** The run's evidence result field: every agent's sum and the whole run's. */
export function runEvidence(tally: EvidenceTally): RunEvidence {
  const participants = [...tally.participants.values()].map(participantEvidence);
  const run = participants.reduce<EvidenceSum>(addSums, EMPTY_SUM);
  return {
    ...run,
    tool_calls: { ...run.tool_calls },
    verified: participants.filter((p) => p.verification === 'verified').length,
    unverified: participants.filter((p) => p.verification === 'unverified').length,
    participants,
  };
}

function participantEvidence(p: ParticipantTally): ParticipantEvidence {
  const verification = p.verified ? 'verified' : p.unverifiedReason !== undefined ? 'unverified' : null;
  return {
    ...p.who,
    turns: p.turns,
    ...p.sum,
    tool_calls: { ...p.sum.tool_calls },
    verification,
    ...(verification === 'unverified' && p.unverifiedReason !== undefined ? { reason: p.unverifiedReason } : {}),
  };
}

/** "Unverified: Bo (backend_developer): <reason>." for summaries; '' when every agent that works through tools is backed. */
export function describeUnverified(tally: EvidenceTally): string {
  const who = [...tally.participants.values()].filter((p) => !p.verified && p.unverifiedReason !== undefined).map((p) => `${p.who.name} (${p.who.role}): ${p.unverifiedReason}`);
  return who.length === 0 ? '' : `Unverified: ${who.join('; ')}.`;
}
