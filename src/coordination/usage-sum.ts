import { addUsageViews, type UsageView } from '../domain/usage.js';
import { addTurnEvidence, describeUnverified, EMPTY_EVIDENCE_TALLY, runEvidence, type EvidenceTally, type RunEvidence } from '../evidence/evidence-sum.js';
import { addCost, nanosToUsd, usdToNanos } from '../pricing/cost.js';
import type { ParticipantInfo, TurnOutcome } from './types.js';

/** What a run's completed turns add up to. A value: combine with `addTurn`, never mutate. */
export interface Tally {
  readonly turns: number;
  readonly usage: UsageView;
  /** Summed in integer nano-dollars so totals never drift; null once any turn's cost is unknown. */
  readonly costNanos: number | null;
  /** What the turns' agents did, per agent. */
  readonly evidence: EvidenceTally;
}

export const EMPTY_TALLY: Tally = Object.freeze({
  turns: 0,
  usage: Object.freeze({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 0 }),
  costNanos: 0,
  evidence: EMPTY_EVIDENCE_TALLY,
});

/** Adds one completed turn of `who`; an unknown (null) cost makes the total unknown, never 0. */
export function addTurn(tally: Tally, turn: TurnOutcome, who: ParticipantInfo): Tally {
  return {
    turns: tally.turns + 1,
    usage: addUsageViews(tally.usage, turn.usage),
    costNanos: addCost(tally.costNanos, turn.cost_usd === null ? null : usdToNanos(turn.cost_usd)),
    evidence: addTurnEvidence(tally.evidence, who, turn),
  };
}

/** The base result fields of a run (`turns`, `usage`, `cost_usd`, `evidence`). */
export function tallyFields(tally: Tally): { turns: number; usage: UsageView; cost_usd: number | null; evidence: RunEvidence } {
  return { turns: tally.turns, usage: { ...tally.usage }, cost_usd: nanosToUsd(tally.costNanos), evidence: runEvidence(tally.evidence) };
}

/** "4 turns, 1234 tokens, $0.0123", then "Unverified: Bo (backend_developer): <why>" when an agent's reply is backed by no action, for summaries. */
export function describeTally(tally: Tally): string {
  const cost = tally.costNanos === null ? 'cost unknown (a model has no price)' : `$${(nanosToUsd(tally.costNanos) ?? 0).toFixed(4)}`;
  const unverified = describeUnverified(tally.evidence);
  return `${tally.turns} ${tally.turns === 1 ? 'turn' : 'turns'}, ${tally.usage.total_tokens} tokens, ${cost}${unverified === '' ? '' : `. ${unverified.replace(/\.$/, '')}`}`;
}
