import { z } from 'zod';
import { parseStructured } from './structured-output.js';

/** The JSON a participant answers a voting round with. */
const voteShape = z.object({
  vote: z.union([z.string(), z.number()]),
  reason: z.string().optional().nullable(),
  revised_proposal: z.string().optional().nullable(),
});

/** A vote as read from a reply: for a proposal label, or an abstention with the reason it is one. */
export type ParsedVote =
  | { readonly kind: 'vote'; readonly proposalId: string; readonly reason: string | null; readonly revisedProposal: string | null }
  | { readonly kind: 'abstain'; readonly note: string; readonly reason: string | null; readonly revisedProposal: string | null };

/**
 * Reads a vote reply. A reply that is not the JSON asked for, or names no current proposal, is an
 * abstention with a note saying why, never an error: a model that ignores the format must not stop a run.
 * Labels are read leniently ("P2", "p2", "2", "Proposal 2").
 */
export function parseVote(reply: string, proposalIds: readonly string[]): ParsedVote {
  const parsed = parseStructured(voteShape, reply);
  if (!parsed.ok) {
    return { kind: 'abstain', note: `Abstained: the reply was not the JSON vote asked for (${parsed.errors.join('; ')}).`, reason: null, revisedProposal: null };
  }
  const reason = nonEmpty(parsed.value.reason);
  const revisedProposal = nonEmpty(parsed.value.revised_proposal);
  const proposalId = normaliseLabel(parsed.value.vote);
  if (proposalId === undefined || !proposalIds.includes(proposalId)) {
    return {
      kind: 'abstain',
      note: `Abstained: voted ${JSON.stringify(parsed.value.vote)}, which is not one of the proposals (${proposalIds.join(', ')}).`,
      reason,
      revisedProposal,
    };
  }
  return { kind: 'vote', proposalId, reason, revisedProposal };
}

function normaliseLabel(vote: string | number): string | undefined {
  const match = /^\s*(?:p(?:roposal)?\s*#?\s*)?(\d+)\s*$/i.exec(String(vote));
  return match ? `P${Number(match[1])}` : undefined;
}

function nonEmpty(text: string | null | undefined): string | null {
  return text !== null && text !== undefined && text.trim().length > 0 ? text.trim() : null;
}

export interface QuorumRule {
  /** As given in the request; undefined means the default: a strict majority. */
  readonly quorum: number | undefined;
  /** How many voters there are (every participant, whether it voted, abstained or failed). */
  readonly voters: number;
}

/**
 * Votes a proposal needs to reach quorum. The default is a strict majority (more than half of all
 * participants). An explicit quorum q needs at least q × participants votes. Either way the leading
 * proposal must also be alone in the lead (checked in `tallyVotes`), so a tie never decides.
 */
export function requiredVotes(rule: QuorumRule): number {
  if (rule.quorum === undefined) return Math.floor(rule.voters / 2) + 1;
  // 0.7 × 10 is 7.000000000000001 in floating point; the epsilon keeps that at 7 votes, not 8.
  return Math.max(1, Math.ceil(rule.quorum * rule.voters - 1e-9));
}

export interface VoteTally {
  /** Votes per proposal id, every proposal listed (0 when none). */
  readonly counts: Readonly<Record<string, number>>;
  /** The proposal with the most votes when it is alone in the lead; null on a tie or with no votes. */
  readonly leading: string | null;
  readonly leadingVotes: number;
  /** leading votes / participants (0 with no leader). */
  readonly agreementRatio: number;
  readonly quorumReached: boolean;
}

export function tallyVotes(proposalIds: readonly string[], votes: readonly (string | null)[], rule: QuorumRule): VoteTally {
  const counts: Record<string, number> = Object.fromEntries(proposalIds.map((id) => [id, 0]));
  for (const v of votes) if (v !== null && v in counts) counts[v] = (counts[v] ?? 0) + 1;
  const sorted = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const [first, second] = sorted;
  const alone = first !== undefined && first[1] > 0 && (second === undefined || second[1] < first[1]);
  const leading = alone ? first[0] : null;
  const leadingVotes = alone ? first[1] : 0;
  return {
    counts,
    leading,
    leadingVotes,
    agreementRatio: rule.voters > 0 ? leadingVotes / rule.voters : 0,
    quorumReached: leading !== null && leadingVotes >= requiredVotes(rule),
  };
}
