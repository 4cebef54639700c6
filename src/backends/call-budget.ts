import type { Usage } from '../domain/usage.js';

/** What one finished model call used, as the API reported it. */
export interface SettledCall {
  readonly usage: Usage;
  /** The model that answered (its price applies). */
  readonly model: string;
  readonly durationMs: number;
}

/**
 * A hold on every budget above an instance (its own, its ancestors', the global one) for one model call:
 * taken before the call is made, settled to the call's exact usage after it. Exactly one of settle or
 * release must be called.
 */
export interface CallHold {
  /** The max_tokens this call may use: the requested cap, reduced to what the tightest budget leaves. */
  readonly maxTokens: number;
  /** Charges the call's exact usage and frees the hold, in one transaction. */
  settle(call: SettledCall): Promise<void>;
  /** The call produced no usage (it failed before the API answered): frees the hold, charges nothing. */
  release(): Promise<void>;
}

/** A request for one model call's hold. */
export interface HoldRequest {
  /** Tokens the prompt may take, estimated on the high side (see estimateTokens). */
  readonly promptTokens: number;
  /** The model the call asks for, when it may not be the instance's (a Claude Code subagent): the dearer one prices the hold. */
  readonly model?: string;
  /** The output cap the caller wants; the hold may grant less. Default: the configured MAX_OUTPUT_TOKENS. */
  readonly maxTokens?: number;
}

/**
 * How a backend holds its model calls against the instance's budgets. Every model call of a turn takes a
 * hold first. `hold` waits (abortably) while calls in flight hold the budget, and throws an
 * OrchestratorError `limit_exceeded` when what is already spent leaves no room for a useful reply: a turn
 * that has produced something then ends with stop reason `budget_exhausted` and keeps it.
 */
export interface CallBudget {
  hold(request: HoldRequest, signal: AbortSignal): Promise<CallHold>;
}

/** The stop reason of a turn whose next model call could not get a hold. */
export const BUDGET_EXHAUSTED = 'budget_exhausted';

/**
 * Tokens a prompt may take, from its size in UTF-8 bytes, on the high side (about three bytes a token for
 * English, and at least a token per character for scripts such as CJK, plus a fixed overhead per message), so
 * a hold covers at least what the call can really cost.
 */
export function estimateTokens(bytes: number, parts = 1): number {
  return Math.ceil(bytes / 3) + 8 * parts + 32;
}

/** The UTF-8 size of a text, what estimateTokens takes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
