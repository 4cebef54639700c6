import { addUsage, usageFromApi, ZERO_USAGE, type Usage } from '../../domain/usage.js';
import type { ApiUsage, ModelUsage, ResultMessage } from './stream-json.js';

export interface TurnAccounting {
  /** Every token of the turn, all models together (a subagent may run on another model). */
  readonly usage: Usage;
  /** The same per model, for pricing each at its own rate. */
  readonly byModel: Readonly<Record<string, Usage>>;
  /** The agent's own cost figure for the turn, or undefined when the CLI gave none. */
  readonly agentCostUsd: number | undefined;
}

/**
 * What one turn used, from the CLI's result. `model_usage_since_last_result` is exact per turn and covers
 * every model the turn called; `usage` (the main loop only) is the fallback for CLIs that lack it.
 * `total_cost_usd` can't serve: it is the whole session's, and survives --resume.
 */
export function turnAccounting(result: ResultMessage): TurnAccounting {
  const perModel = result.model_usage_since_last_result;
  if (perModel === undefined) return { usage: fromApiUsage(result.usage), byModel: {}, agentCostUsd: undefined };
  let usage = ZERO_USAGE;
  let cost = 0;
  const byModel: Record<string, Usage> = {};
  for (const [model, entry] of Object.entries(perModel)) {
    const one = fromModelUsage(entry);
    byModel[model] = one;
    usage = addUsage(usage, one);
    cost += entry.costUSD;
  }
  return { usage, byModel, agentCostUsd: cost };
}

function fromApiUsage(u: ApiUsage): Usage {
  return usageFromApi({
    input_tokens: u.input_tokens ?? null,
    output_tokens: u.output_tokens ?? null,
    cache_creation_input_tokens: u.cache_creation_input_tokens ?? null,
    cache_read_input_tokens: u.cache_read_input_tokens ?? null,
    cache_creation: u.cache_creation ? { ephemeral_1h_input_tokens: u.cache_creation.ephemeral_1h_input_tokens ?? null } : null,
  });
}

function fromModelUsage(entry: ModelUsage): Usage {
  return {
    inputTokens: entry.inputTokens,
    outputTokens: entry.outputTokens,
    cacheCreationInputTokens: entry.cacheCreationInputTokens,
    cacheCreation1hInputTokens: entry.cacheCreationEphemeral1hInputTokens ?? 0,
    cacheReadInputTokens: entry.cacheReadInputTokens,
  };
}
