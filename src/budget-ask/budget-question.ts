import type { InstanceRecord } from '../domain/instance.js';
import { totalTokens } from '../domain/usage.js';
import { NANOS_PER_USD } from '../pricing/cost.js';
import type { SpentBudget } from '../orchestrator/budget.js';
import { countOf } from '../text/human-format.js';

/** A question to the user: raise this spent budget, by how much? Amounts are in `unit` (whole tokens, or USD). */
export interface BudgetQuestion {
  /** Stable per budget: concurrent asks about one budget share one question. */
  readonly key: string;
  readonly message: string;
  readonly unit: 'tokens' | 'usd';
  /** The least raise that lets the refused call go. */
  readonly minimum: number;
  /** The raise offered by default: +50 % of the limit, or what the call wants if that is more. */
  readonly proposed: number;
}

/** The user's answer: add this much (in the question's unit), or no raise (declined, cancelled, not answered). */
export type BudgetAnswer = { readonly action: 'accept'; readonly add: number } | { readonly action: 'decline' | 'cancel' };

/** Asks the caller's client whether to raise a spent budget (MCP elicitation); aborted when nobody waits for the answer any more. */
export type AskBudget = (question: BudgetQuestion, signal: AbortSignal) => Promise<BudgetAnswer>;

/** The part of the budget's holder the question names: who it is and what it and its children spent. */
export interface BudgetHolder {
  readonly self: Pick<InstanceRecord, 'id' | 'name' | 'role' | 'usage' | 'costNanos' | 'turns'>;
  /** Its children that spent the most (at most three), with their subtree spend. */
  readonly topChildren: ReadonlyArray<Pick<InstanceRecord, 'name' | 'subtree'>>;
}

export function budgetKey(budget: Pick<SpentBudget, 'instanceId' | 'kind'>): string {
  return `${budget.instanceId ?? 'global'}:${budget.kind}`;
}

/** The name a user knows a budget by: "max_total_tokens of ana (inst_…)", "the global MAX_TOTAL_COST". */
export function budgetName(budget: Pick<SpentBudget, 'instanceId' | 'kind'>, holderName?: string): string {
  if (budget.instanceId === null) return 'the global budget MAX_TOTAL_COST';
  const field = budget.kind === 'tokens' ? 'max_total_tokens' : 'max_cost';
  return `the ${field} of ${holderName ? `"${holderName}" (${budget.instanceId})` : budget.instanceId}`;
}

/** How a user raises a budget that refused a call of `callerId`, for refusals. */
export function raiseHint(budget: Pick<SpentBudget, 'instanceId' | 'kind'>, callerId: string): string {
  const asked = 'send from a client with MCP elicitation and accept the raise it is asked';
  if (budget.instanceId === null) return `To go on, raise MAX_TOTAL_COST, or ${asked} (for this server).`;
  if (budget.instanceId !== callerId) return `To go on, ${asked} (it raises ${budgetName(budget)}).`;
  const field = budget.kind === 'tokens' ? 'max_total_tokens' : 'max_cost';
  return `To go on, ${asked}, or spawn a new instance with a larger ${field}.`;
}

/** An amount in the budget's unit: "1,200 tokens", "$0.0125". */
export function formatAmount(kind: 'tokens' | 'cost', amount: number): string {
  return kind === 'tokens' ? `${Math.round(amount).toLocaleString('en-US')} tokens` : `$${usd(amount)}`;
}

/**
 * The question for a spent budget: which budget, what was spent and on what (the holder itself and its top
 * spending children), what the refused call needs, and the raise proposed (+50 % of the limit, or what
 * the call wants if more). `asking` is the instance whose model call was refused.
 */
export function budgetQuestion(budget: SpentBudget, asking: Pick<InstanceRecord, 'id' | 'name'>, holder: BudgetHolder | undefined): BudgetQuestion {
  const kind = budget.kind;
  const name = budgetName(budget, holder?.self.name);
  const of = budget.instanceId === asking.id ? '' : ` (the model call is ${asking.name}'s, ${asking.id})`;
  const lines = [`Budget reached: ${name}${of} has ${formatAmount(kind, Math.max(0, budget.limit - budget.spent))} left of ${formatAmount(kind, budget.limit)}; ${formatAmount(kind, budget.spent)} spent.`];
  if (holder) {
    const own = kind === 'tokens' ? totalTokens(holder.self.usage) : (holder.self.costNanos ?? 0);
    const spenders = holder.topChildren.map((c) => `${c.name} ${formatAmount(kind, kind === 'tokens' ? c.subtree.tokens : c.subtree.costNanos)}`);
    const turns = countOf(holder.self.turns, 'turn');
    lines.push(`Spent on: ${holder.self.name} itself ~${formatAmount(kind, own)} in ${turns}${spenders.length > 0 ? `; its children: ${spenders.join(', ')}` : ''}.`);
  } else if (budget.instanceId === null) {
    lines.push('Spent by every instance on this store.');
  }
  lines.push(`The next model call needs ${formatAmount(kind, budget.needed)} more (the prompt and a useful reply); ${formatAmount(kind, budget.wanted)} more lets it reply in full.`);
  const where = budget.instanceId === null ? ' (on this server, until it restarts)' : '';
  lines.push(`Raise it${where} by how much? Declining stops this turn; what was done so far is kept.`);
  const toUnit = (amount: number) => (kind === 'tokens' ? Math.ceil(amount) : ceilUsd(amount / NANOS_PER_USD));
  return {
    key: budgetKey(budget),
    message: lines.join('\n'),
    unit: kind === 'tokens' ? 'tokens' : 'usd',
    minimum: toUnit(budget.needed),
    proposed: toUnit(Math.max(budget.wanted, budget.limit * 0.5, budget.needed)),
  };
}

/** USD rounded up to a hundredth of a cent, so an amount shown always covers the need. */
function ceilUsd(value: number): number {
  return Math.ceil(value * 10_000) / 10_000;
}

function usd(nanos: number): string {
  const value = nanos / NANOS_PER_USD;
  return value >= 1 ? value.toFixed(2) : value.toFixed(4);
}
