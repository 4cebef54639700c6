import { describeOutcomes, participantResult } from './participant-result.js';
import { decisionPrompt, label, proposalPrompt, votePrompt, type ProposalView } from './prompts.js';
import { TurnRunner } from './turn-runner.js';
import type { CoordinationContext, CoordinationRequest, CoordinationResultBase, ParticipantInfo, ParticipantResult } from './types.js';
import { describeTally, tallyFields } from './usage-sum.js';
import { describeRound, readVote, type VoteRecord } from './vote-records.js';
import { requiredVotes, tallyVotes, type QuorumRule } from './votes.js';

export type { VoteRecord } from './vote-records.js';

/** Voting rounds after the proposals when the request names none. */
export const DEFAULT_MAX_ROUNDS = 3;

export interface ProposalRecord {
  /** P1..Pn, in participant order among those that proposed. */
  id: string;
  author: ParticipantInfo;
  /** The current text (after any revisions). */
  text: string;
  /** Revisions by the author, oldest first: the text it changed to after `round`. */
  revisions: { round: number; text: string }[];
}

export interface RoundRecord {
  round: number;
  votes: VoteRecord[];
  /** Votes per proposal id. */
  tally: Record<string, number>;
  /** The proposal alone in the lead, or null on a tie or with no votes. */
  leading: string | null;
  agreement_ratio: number;
  quorum_reached: boolean;
}

export interface ConsensusResult extends CoordinationResultBase {
  coordination_type: 'consensus';
  /** The proposal that reached quorum; null when none did. */
  decision: { proposal_id: string; text: string; author: ParticipantInfo; votes: number } | null;
  /** Votes for the leading proposal / participants, in the last round (0 when tied or no round ran). */
  agreement_ratio: number;
  quorum_reached: boolean;
  /** The rule applied, so the numbers above can be checked. */
  quorum: { rule: string; required_votes: number; voters: number };
  /** Each participant's vote in the last round. */
  votes: VoteRecord[];
  /** Who voted otherwise than the decision (or, without one, the leading proposal) or abstained, and why. */
  dissent: VoteRecord[];
  rounds: RoundRecord[];
  proposals: ProposalRecord[];
  /** Each participant's proposal turn. */
  participants: ParticipantResult[];
  /** The coordinator's statement of the decision; null without a coordinator or without a decision. */
  statement: ParticipantResult | null;
  /** The coordinator's statement, else the winning proposal's text; null without a decision. */
  final_answer: string | null;
}

/**
 * Each participant proposes independently; then, for up to `maxRounds` rounds, everyone votes on all the
 * proposals (and may revise their own) until one proposal reaches quorum. See `requiredVotes` for the rule.
 */
export async function runConsensus(request: CoordinationRequest, context: CoordinationContext): Promise<ConsensusResult> {
  const runner = new TurnRunner(context);
  const team = await Promise.all(request.participantIds.map((id) => context.port.describe(id)));
  const coordinator = request.coordinatorId !== undefined && request.options.synthesize !== false ? await context.port.describe(request.coordinatorId) : undefined;
  const maxRounds = Math.max(1, Math.floor(request.options.maxRounds ?? DEFAULT_MAX_ROUNDS));
  const rule: QuorumRule = { quorum: request.options.quorum, voters: team.length };
  const quorum = {
    rule: rule.quorum === undefined ? 'strict majority: more than half of all participants, and alone in the lead' : `at least ${rule.quorum} of all participants, and alone in the lead`,
    required_votes: requiredVotes(rule),
    voters: team.length,
  };
  runner.expect(team.length * (1 + maxRounds) + (coordinator ? 1 : 0));

  const participants = await Promise.all(team.map(async (p) => participantResult(p, await runner.run(p, proposalPrompt(request.task, team.length), 'proposed'))));
  const proposals: ProposalRecord[] = [];
  for (const [i, r] of participants.entries()) {
    const author = team[i];
    if (author && r.status === 'completed') proposals.push({ id: `P${proposals.length + 1}`, author, text: r.reply ?? '', revisions: [] });
  }

  const rounds: RoundRecord[] = [];
  for (let round = 1; round <= maxRounds && proposals.length > 0 && !runner.cancelled; round++) {
    const { record, revisions } = await votingRound(runner, request.task, team, proposals, round, maxRounds, rounds.at(-1), rule);
    rounds.push(record);
    if (record.quorum_reached) break;
    if (record.votes.every((v) => v.status === 'failed' || v.status === 'cancelled')) break; // no one can vote any more
    if (round < maxRounds) applyRevisions(proposals, revisions, round);
  }
  runner.expect(-(maxRounds - rounds.length) * team.length);

  const last = rounds.at(-1);
  const winner = last?.quorum_reached ? proposals.find((p) => p.id === last.leading) : undefined;
  // Revisions only apply between rounds that missed quorum, so the winner's text is the one just voted for.
  const decision = winner && last ? { proposal_id: winner.id, text: winner.text, author: winner.author, votes: last.tally[winner.id] ?? 0 } : null;
  const reference = decision?.proposal_id ?? last?.leading ?? null;
  const votes = last?.votes ?? [];
  const dissent = votes.filter((v) => reference === null || v.vote !== reference);

  let statement: ParticipantResult | null = null;
  if (coordinator && decision) {
    const prompt = decisionPrompt({
      task: request.task,
      decision: { id: decision.proposal_id, author: decision.author, text: decision.text },
      votes: decision.votes,
      voters: team.length,
      dissent: dissent.map((d) => ({ who: d, text: d.reason ?? d.note ?? 'No reason given.' })),
    });
    statement = participantResult(coordinator, await runner.run(coordinator, prompt, 'stated the decision'));
  } else if (coordinator) {
    runner.expect(-1);
  }

  const success = decision !== null && (statement === null || statement.status === 'completed');
  const summary = summarise({ runner, participants, proposals, rounds, decision, quorum, statement, maxRounds });
  runner.finish(summary);
  return {
    coordination_type: 'consensus',
    success,
    summary,
    ...tallyFields(runner.tally),
    decision,
    agreement_ratio: last?.agreement_ratio ?? 0,
    quorum_reached: decision !== null,
    quorum,
    votes,
    dissent,
    rounds,
    proposals,
    participants,
    statement,
    final_answer: statement?.status === 'completed' ? (statement.reply ?? null) : (decision?.text ?? null),
  };
}

async function votingRound(
  runner: TurnRunner,
  task: string,
  team: readonly ParticipantInfo[],
  proposals: readonly ProposalRecord[],
  round: number,
  maxRounds: number,
  previous: RoundRecord | undefined,
  rule: QuorumRule,
): Promise<{ record: RoundRecord; revisions: ReadonlyMap<string, string> }> {
  const ids = proposals.map((p) => p.id);
  const views: ProposalView[] = proposals.map((p) => ({ id: p.id, author: p.author, text: p.text }));
  const previousRound = previous ? describeRound(previous.tally, previous.votes) : undefined;
  const votes = await Promise.all(
    team.map(async (voter) => {
      const own = proposals.find((p) => p.author.instance_id === voter.instance_id)?.id;
      const prompt = votePrompt({ task, round, maxRounds, proposals: views, ownProposalId: own, previousRound });
      return readVote(voter, await runner.run(voter, prompt, `voted (round ${round})`), ids, own);
    }),
  );
  const records = votes.map((v) => v.record);
  const tally = tallyVotes(ids, records.map((v) => v.vote), rule);
  const revisions = new Map<string, string>();
  for (const v of votes) if (v.revision !== null) revisions.set(v.record.instance_id, v.revision);
  return {
    record: { round, votes: records, tally: { ...tally.counts }, leading: tally.leading, agreement_ratio: tally.agreementRatio, quorum_reached: tally.quorumReached },
    revisions,
  };
}

/** Authors' revised texts take effect for the next round; the votes just cast were for the old text. */
function applyRevisions(proposals: ProposalRecord[], revisions: ReadonlyMap<string, string>, round: number): void {
  for (const p of proposals) {
    const text = revisions.get(p.author.instance_id);
    if (text === undefined) continue;
    p.text = text;
    p.revisions.push({ round, text });
  }
}

interface SummaryInput {
  readonly runner: TurnRunner;
  readonly participants: readonly ParticipantResult[];
  readonly proposals: readonly ProposalRecord[];
  readonly rounds: readonly RoundRecord[];
  readonly decision: ConsensusResult['decision'];
  readonly quorum: ConsensusResult['quorum'];
  readonly statement: ParticipantResult | null;
  readonly maxRounds: number;
}

function summarise(s: SummaryInput): string {
  const parts = [`${s.runner.cancelled ? 'Cancelled. ' : ''}Consensus run: proposals ${describeOutcomes(s.participants)}.`];
  const last = s.rounds.at(-1);
  if (s.proposals.length === 0) parts.push('With no proposal there was nothing to vote on.');
  else if (s.decision) {
    parts.push(`${s.decision.proposal_id} by ${label(s.decision.author)} reached quorum in round ${last?.round ?? 0} with ${s.decision.votes} of ${s.quorum.voters} votes (${s.quorum.required_votes} needed).`);
  } else {
    const lead = last?.leading ? `${last.leading} led with ${last.tally[last.leading] ?? 0} of ${s.quorum.voters} votes` : 'no proposal led alone';
    parts.push(`No quorum after ${s.rounds.length} of ${s.maxRounds} round(s): ${lead}, ${s.quorum.required_votes} needed.`);
  }
  const abstained = last?.votes.filter((v) => v.vote === null).length ?? 0;
  if (abstained > 0) parts.push(`${abstained} abstained in the last round (see dissent for why).`);
  if (s.statement && s.statement.status !== 'completed') parts.push(`The coordinator's statement ${s.statement.status}: ${s.statement.error ?? 'no reply'}.`);
  parts.push(`${describeTally(s.runner.tally)}.`);
  return parts.join(' ');
}
