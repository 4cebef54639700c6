import { addUsageViews, type UsageView } from '../domain/usage.js';
import { addCost, nanosToUsd, usdToNanos } from '../pricing/cost.js';

/** What a run's completed turns add up to. A value: combine with `addTurn`, never mutate. */
export interface Tally {
  readonly turns: number;
  readonly usage: UsageView;
  /** Summed in integer nano-dollars so totals never drift; null once any turn's cost is unknown. */
  readonly costNanos: number | null;
}

export const EMPTY_TALLY: Tally = Object.freeze({
  turns: 0,
  usage: Object.freeze({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 0 }),
  costNanos: 0,
});

/** Adds one completed turn; an unknown (null) cost makes the total unknown, never 0. */
export function addTurn(tally: Tally, turn: { readonly usage: UsageView; readonly cost_usd: number | null }): Tally {
  return {
    turns: tally.turns + 1,
    usage: addUsageViews(tally.usage, turn.usage),
    costNanos: addCost(tally.costNanos, turn.cost_usd === null ? null : usdToNanos(turn.cost_usd)),
  };
}

/** The base result fields of a run (`turns`, `usage`, `cost_usd`). */
export function tallyFields(tally: Tally): { turns: number; usage: UsageView; cost_usd: number | null } {
  return { turns: tally.turns, usage: { ...tally.usage }, cost_usd: nanosToUsd(tally.costNanos) };
}

/** "4 turns, 1234 tokens, $0.0123" for summaries. */
export function describeTally(tally: Tally): string {
  const cost = tally.costNanos === null ? 'cost unknown (a model has no price)' : `$${(nanosToUsd(tally.costNanos) ?? 0).toFixed(4)}`;
  return `${tally.turns} ${tally.turns === 1 ? 'turn' : 'turns'}, ${tally.usage.total_tokens} tokens, ${cost}`;
}
