import { label } from './prompts.js';
import type { TurnAttempt } from './turn-runner.js';
import type { ParticipantInfo } from './types.js';
import { parseVote } from './votes.js';

/** One participant's vote in one round, as the result shows it. */
export interface VoteRecord {
  instance_id: string;
  name: string;
  role: string;
  /** `abstained`: replied, but not with a valid vote; `failed`/`cancelled`: the turn itself did not complete. */
  status: 'voted' | 'abstained' | 'failed' | 'cancelled';
  /** The proposal id voted for, or null for an abstention or a failed turn. */
  vote: string | null;
  reason: string | null;
  /** Why this is not a vote, or what became of a revision; absent for a plain vote. */
  note?: string;
}

/** A vote record plus the revised text its author sent for its own proposal, if any. */
export interface ReadVote {
  readonly record: VoteRecord;
  readonly revision: string | null;
}

/** Reads one voting turn. Nothing a model replies can make this throw: bad replies become abstentions. */
export function readVote(voter: ParticipantInfo, turn: TurnAttempt, proposalIds: readonly string[], ownProposalId: string | undefined): ReadVote {
  const who = { instance_id: voter.instance_id, name: voter.name, role: voter.role };
  if (turn.status !== 'completed') {
    return { record: { ...who, status: turn.status, vote: null, reason: null, note: `No vote: the turn ${turn.status} (${turn.error}).` }, revision: null };
  }
  const parsed = parseVote(turn.outcome.reply, proposalIds);
  const ignoredRevision = parsed.revisedProposal !== null && ownProposalId === undefined;
  const revisionNote = ignoredRevision ? 'Its revised_proposal was ignored: it has no proposal of its own.' : undefined;
  const revision = ignoredRevision ? null : parsed.revisedProposal;
  if (parsed.kind === 'abstain') {
    return { record: { ...who, status: 'abstained', vote: null, reason: parsed.reason, note: [parsed.note, revisionNote].filter(Boolean).join(' ') }, revision };
  }
  const record: VoteRecord = { ...who, status: 'voted', vote: parsed.proposalId, reason: parsed.reason };
  if (revision !== null) record.note = `Sent a revised text for its own proposal ${ownProposalId ?? ''} (it takes effect only if another round follows).`;
  if (revisionNote) record.note = revisionNote;
  return { record, revision };
}

/** Reasons shown back to voters are cut to this, so a long-winded voter cannot flood the next prompt. */
const MAX_REASON_CHARS = 400;

/** How a round went, for the next round's prompt: votes per proposal with voters, abstentions, reasons. */
export function describeRound(tally: Readonly<Record<string, number>>, votes: readonly VoteRecord[]): string {
  const lines = Object.keys(tally).map((id) => {
    const voters = votes.filter((v) => v.vote === id).map((v) => v.name);
    return `- ${id}: ${voters.length} vote${voters.length === 1 ? '' : 's'}${voters.length > 0 ? ` (${voters.join(', ')})` : ''}`;
  });
  const abstained = votes.filter((v) => v.vote === null).map((v) => v.name);
  if (abstained.length > 0) lines.push(`- no valid vote: ${abstained.join(', ')}`);
  const reasons = votes
    .filter((v) => v.vote !== null && v.reason !== null)
    .map((v) => `- ${label(v)} for ${v.vote}: ${cut(v.reason ?? '')}`);
  return reasons.length > 0 ? `${lines.join('\n')}\nReasons given:\n${reasons.join('\n')}` : lines.join('\n');
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_REASON_CHARS ? flat : `${flat.slice(0, MAX_REASON_CHARS)}...`;
}
