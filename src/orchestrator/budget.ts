import type { InstanceRecord } from '../domain/instance.js';
import { findPrice, nanosToUsd } from '../pricing/cost.js';
import type { PriceTable } from '../pricing/price-table.js';

/** Per-token nano-dollar rates a hold uses: the dearest way a prompt token and an output token can be billed. */
export interface HoldRates {
  readonly prompt: number;
  readonly output: number;
}

export function holdRates(table: PriceTable, model: string): HoldRates | null {
  const price = findPrice(table, model);
  if (!price) return null;
  const bands = price.above ? [price, price.above.rates] : [price];
  return {
    prompt: Math.max(...bands.flatMap((b) => [b.input, b.cacheWrite5m, b.cacheWrite1h])) * 1000,
    output: Math.max(...bands.map((b) => b.output)) * 1000,
  };
}

export interface HoldPlanInput {
  /** The instance, then its ancestors up to the root. Each counts the spend and holds of its whole subtree. */
  readonly chain: readonly InstanceRecord[];
  readonly global: { readonly budgetNanos: number; readonly spentNanos: number; readonly heldNanos: number };
  /** null: the model has no known price, so cost budgets cannot bound this call. */
  readonly rates: HoldRates | null;
  readonly promptTokens: number;
  /** The output cap wanted for the call (already at most MAX_OUTPUT_TOKENS). */
  readonly wantedMaxTokens: number;
  /** Below this output a reply is not useful: such a hold waits rather than being granted (MIN_OUTPUT_TOKENS). */
  readonly minOutputTokens: number;
}

/** Which limit stops a call: the instance's own (it is at the end of its budget and ends) or a shared one (it stays). */
export type Binding = 'limit:tokens' | 'limit:cost' | 'shared';

/** One budget, as the hold planner saw it: whose limit, of what, the limit and the spend it counts. */
export interface BudgetRef {
  /** The instance whose limit it is (its own, or an ancestor's); null: the global MAX_TOTAL_COST. */
  readonly instanceId: string | null;
  readonly kind: 'tokens' | 'cost';
  /** In tokens, or nano-dollars for cost. */
  readonly limit: number;
  /** What its subtree (or every instance, for the global one) has spent, in the same unit. */
  readonly spent: number;
}

/** The budget that refused a call, and by how much it would have to rise (in its unit) for the call to fit. */
export interface SpentBudget extends BudgetRef {
  /** The least raise that fits the prompt and a useful reply (MIN_OUTPUT_TOKENS). */
  readonly needed: number;
  /** The raise that fits the prompt and the whole reply the call wanted. */
  readonly wanted: number;
}

export type HoldPlan =
  | { readonly kind: 'grant'; readonly maxTokens: number; readonly tokens: number; readonly nanos: number }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'refuse'; readonly reason: string; readonly binding: Binding; readonly budget: SpentBudget };

interface Fit {
  readonly output: number;
  /** The binding budget, as a user reads it. */
  readonly why: string;
  readonly binding: Binding;
  readonly budget: BudgetRef | null;
  /** What one output token costs in the budget's unit (1 for tokens, its nano-dollar rate for cost). */
  readonly unit: number;
}

/**
 * Decides one model call's hold. The call may use the output cap reduced to what the tightest budget leaves
 * after the spend and the holds of calls in flight. When that is below a useful reply it waits for those
 * calls to settle, unless the spend alone already leaves no room for one: then it is refused, naming the limit.
 */
export function planHold(input: HoldPlanInput): HoldPlan {
  const minimum = Math.max(1, Math.min(input.minOutputTokens, input.wantedMaxTokens));
  const withHolds = fit(input, true);
  if (withHolds.output >= minimum) {
    const maxTokens = Math.min(input.wantedMaxTokens, withHolds.output);
    return {
      kind: 'grant',
      maxTokens,
      tokens: input.promptTokens + maxTokens,
      nanos: input.rates ? input.promptTokens * input.rates.prompt + maxTokens * input.rates.output : 0,
    };
  }
  const spentOnly = fit(input, false);
  const self = input.chain[0]?.id ?? 'the instance';
  if (spentOnly.output < minimum) {
    const budget = spentOnly.budget ?? { instanceId: null, kind: 'cost', limit: input.global.budgetNanos, spent: input.global.spentNanos };
    const raise = (output: number) => Math.ceil(Math.max(0, output - spentOnly.output) * spentOnly.unit);
    return {
      kind: 'refuse',
      binding: spentOnly.binding,
      budget: { ...budget, needed: raise(minimum), wanted: raise(Math.max(minimum, input.wantedMaxTokens)) },
      reason: `Instance ${self} cannot take this turn: the prompt (~${input.promptTokens} tokens) and a reply of at least ${minimum} tokens don't fit in what is left of ${spentOnly.why}.`,
    };
  }
  return { kind: 'wait', reason: `model calls in flight hold what is left of ${withHolds.why}` };
}

/** The most output the budgets leave after the prompt, with or without the holds of calls in flight, and which budget binds. */
function fit(input: HoldPlanInput, countHolds: boolean): Fit {
  const { chain, rates, promptTokens } = input;
  const self = chain[0];
  let best: Fit = { output: Number.POSITIVE_INFINITY, why: '', binding: 'shared', budget: null, unit: 1 };
  const consider = (output: number, why: string, binding: Binding, budget: BudgetRef) => {
    if (output < best.output) best = { output, why, binding, budget, unit: budget.kind === 'tokens' ? 1 : (rates?.output ?? 0) };
  };
  const byCost = (roomNanos: number) => (rates ? Math.floor((roomNanos - promptTokens * rates.prompt) / rates.output) : Number.POSITIVE_INFINITY);
  for (const node of chain) {
    const own = node.id === self?.id;
    const tokenRoom = node.limits.maxTotalTokens - node.subtree.tokens - (countHolds ? node.held.tokens : 0);
    consider(
      tokenRoom - promptTokens,
      own ? `its max_total_tokens (${node.limits.maxTotalTokens})` : `the token budget of its ancestor ${node.id}`,
      own ? 'limit:tokens' : 'shared',
      { instanceId: node.id, kind: 'tokens', limit: node.limits.maxTotalTokens, spent: node.subtree.tokens },
    );
    if (node.limits.maxCostNanos !== null) {
      const costRoom = node.limits.maxCostNanos - node.subtree.costNanos - (countHolds ? node.held.nanos : 0);
      consider(
        byCost(costRoom),
        `${own ? 'its max_cost' : `the max_cost of its ancestor ${node.id}`} ($${usd(costRoom)} left)`,
        own ? 'limit:cost' : 'shared',
        { instanceId: node.id, kind: 'cost', limit: node.limits.maxCostNanos, spent: node.subtree.costNanos },
      );
    }
  }
  const globalRoom = input.global.budgetNanos - input.global.spentNanos - (countHolds ? input.global.heldNanos : 0);
  consider(byCost(globalRoom), `the global budget MAX_TOTAL_COST ($${usd(globalRoom)} left)`, 'shared', {
    instanceId: null,
    kind: 'cost',
    limit: input.global.budgetNanos,
    spent: input.global.spentNanos,
  });
  return best;
}

function usd(nanos: number): string {
  return (nanosToUsd(Math.max(0, nanos)) ?? 0).toFixed(6);
}
