import { totalTokens } from '../../domain/usage.js';
import type { FileEvidence } from '../../evidence/types.js';
import type { TurnResult } from '../backend.js';
import { BUDGET_EXHAUSTED } from '../call-budget.js';
import type { AgentTurnOutcome } from './agent-turn.js';
import { errorFromResult } from './result-errors.js';
import { turnAccounting } from './result-usage.js';

export interface TurnFacts {
  readonly changedFiles: readonly string[] | undefined;
  /** The changed files as read from disk after the turn (empty when the workspace could not be compared). */
  readonly fileEvidence: readonly FileEvidence[];
  readonly durationMs: number;
  /** The instance's model, for a turn in which no model answered. */
  readonly requestedModel: string;
  /** A model call of the turn was refused for budget: the agent was stopped there. */
  readonly budgetExhausted: boolean;
}

/**
 * A finished agent turn as the orchestrator's TurnResult. A failed turn that spent nothing throws; one that
 * was stopped by its budget, or spent tokens failing midway, is a result that keeps what the agent produced.
 * (Its model calls were charged one by one as the proxy settled them.)
 */
export function toTurnResult(outcome: AgentTurnOutcome, facts: TurnFacts): TurnResult {
  const { result } = outcome;
  const accounting = turnAccounting(result);
  if (result.is_error && !facts.budgetExhausted && totalTokens(accounting.usage) === 0) throw errorFromResult(result);
  const text = result.result ?? (outcome.streamedText !== '' ? outcome.streamedText : (result.errors ?? []).join('\n'));
  const stopReason = facts.budgetExhausted ? BUDGET_EXHAUSTED : result.is_error ? (result.terminal_reason ?? result.subtype) : (result.stop_reason ?? null);
  return {
    text,
    usage: accounting.usage,
    stopReason,
    durationMs: facts.durationMs,
    model: outcome.model !== '' ? outcome.model : facts.requestedModel,
    toolCalls: outcome.toolCalls,
    backendState: JSON.stringify({ claudeCode: { sessionId: result.session_id } }),
    ...(facts.changedFiles !== undefined ? { changedFiles: facts.changedFiles } : {}),
    fileEvidence: facts.fileEvidence,
    permissionDenials: outcome.denials,
    ...(accounting.agentCostUsd !== undefined ? { agentCostUsd: accounting.agentCostUsd } : {}),
  };
}
