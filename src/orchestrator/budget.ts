import { OrchestratorError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/instance.js';
import { totalTokens } from '../domain/usage.js';
import { findPrice, nanosToUsd } from '../pricing/cost.js';
import type { PriceTable } from '../pricing/price-table.js';
import type { Reservation } from '../store/store.js';

/**
 * Tokens a prompt may take, estimated from its characters on the high side (about three characters a
 * token, plus per-message overhead), so a reservation holds at least what the turn can really cost.
 */
export function estimatePromptTokens(system: string, messages: ReadonlyArray<{ readonly content: string }>): number {
  let chars = system.length;
  for (const m of messages) chars += m.content.length;
  return Math.ceil(chars / 3) + 8 * messages.length + 32;
}

/** Per-token nano-dollar rates a reservation uses: the dearest way a prompt token can be billed. */
function worstRates(table: PriceTable, model: string): { prompt: number; output: number } | null {
  const price = findPrice(table, model);
  if (!price) return null;
  const bands = price.above ? [price, price.above.rates] : [price];
  return {
    prompt: Math.max(...bands.flatMap((b) => [b.input, b.cacheWrite5m, b.cacheWrite1h])) * 1000,
    output: Math.max(...bands.map((b) => b.output)) * 1000,
  };
}

export interface BudgetView {
  /** Everything stored: who is whose parent, and what each has spent. */
  readonly instances: readonly InstanceRecord[];
  readonly reservations: readonly Reservation[];
  readonly globalBudgetNanos: number;
}

export interface TurnReservationPlan {
  readonly maxTokens: number;
  readonly tokens: number;
  readonly nanos: number;
}

/**
 * How much a turn may spend, across the tree: the instance and every ancestor count the spend of their
 * whole subtree (own turns and their descendants', recorded and reserved), and the global budget counts
 * everyone's. max_tokens is the configured cap reduced to what the tightest budget leaves after the
 * prompt, so a small budget still runs turns; if the prompt alone doesn't fit, the turn is refused.
 */
export function planTurnReservation(
  self: InstanceRecord,
  view: BudgetView,
  table: PriceTable,
  promptTokens: number,
  configuredMaxTokens: number,
): TurnReservationPlan {
  const byId = new Map(view.instances.map((r) => [r.id, r]));
  const children = new Map<string, InstanceRecord[]>();
  for (const r of view.instances) if (r.parentId) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r]);
  const reservedBy = new Map<string, { tokens: number; nanos: number }>();
  for (const res of view.reservations) {
    const cur = reservedBy.get(res.instanceId) ?? { tokens: 0, nanos: 0 };
    reservedBy.set(res.instanceId, { tokens: cur.tokens + res.tokens, nanos: cur.nanos + res.nanos });
  }
  const subtree = (id: string): { tokens: number; nanos: number } => {
    const r = byId.get(id);
    const own = reservedBy.get(id) ?? { tokens: 0, nanos: 0 };
    let tokens = (r ? totalTokens(r.usage) : 0) + own.tokens;
    let nanos = (r?.costNanos ?? 0) + own.nanos;
    for (const c of children.get(id) ?? []) {
      const s = subtree(c.id);
      tokens += s.tokens;
      nanos += s.nanos;
    }
    return { tokens, nanos };
  };

  const rates = worstRates(table, self.model);
  let tokenRoom = Number.POSITIVE_INFINITY;
  let nanoRoom = Number.POSITIVE_INFINITY;
  let tightest = '';
  let tokensBoundBySelf = false;
  let costBoundBySelf = false;
  for (let node: InstanceRecord | undefined = self; node; node = node.parentId ? byId.get(node.parentId) : undefined) {
    const spent = subtree(node.id);
    const tRoom = node.limits.maxTotalTokens - spent.tokens;
    if (tRoom < tokenRoom) {
      tokenRoom = tRoom;
      tokensBoundBySelf = node.id === self.id;
      tightest = node.id === self.id ? `its max_total_tokens (${node.limits.maxTotalTokens})` : `the token budget of its ancestor ${node.id}`;
    }
    if (node.limits.maxCostNanos !== null && node.limits.maxCostNanos - spent.nanos < nanoRoom) {
      nanoRoom = node.limits.maxCostNanos - spent.nanos;
      costBoundBySelf = node.id === self.id;
    }
  }
  let globalSpent = 0;
  for (const r of view.instances) globalSpent += r.costNanos ?? 0;
  for (const res of view.reservations) globalSpent += res.nanos;
  if (view.globalBudgetNanos - globalSpent < nanoRoom) {
    nanoRoom = view.globalBudgetNanos - globalSpent;
    costBoundBySelf = false;
  }

  const outputByTokens = tokenRoom - promptTokens;
  const outputByCost = rates ? Math.floor((nanoRoom - promptTokens * rates.prompt) / rates.output) : Number.POSITIVE_INFINITY;
  const maxTokens = Math.min(configuredMaxTokens, outputByTokens, outputByCost);
  if (maxTokens < 1) {
    const why =
      outputByTokens < 1
        ? `the prompt (~${promptTokens} tokens) doesn't fit in what is left of ${tightest}`
        : `the cost of the prompt doesn't fit in what is left of the cost budgets ($${nanosToUsd(Math.max(0, nanoRoom))?.toFixed(6)} including turns in flight)`;
    // Which limit binds, so a caller can tell an instance at the end of its own budget (it ends) from one
    // waiting on a shared budget (it stays).
    const binding = outputByTokens < 1 ? (tokensBoundBySelf ? 'limit:tokens' : 'shared') : costBoundBySelf ? 'limit:cost' : 'shared';
    throw new OrchestratorError('limit_exceeded', `Instance ${self.id} cannot take this turn: ${why}. Raise the limit, or spawn a new instance.`, { binding });
  }
  return {
    maxTokens,
    tokens: promptTokens + maxTokens,
    nanos: rates ? promptTokens * rates.prompt + maxTokens * rates.output : 0,
  };
}
