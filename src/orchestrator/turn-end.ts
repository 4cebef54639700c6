import type { TurnResult } from '../backends/backend.js';
import { BUDGET_EXHAUSTED } from '../backends/call-budget.js';
import type { OrchestratorError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/instance.js';
import { totalTokens, usageView } from '../domain/usage.js';
import { turnProof, unverifiedWarning, type TurnProof } from '../evidence/turn-proof.js';
import { nanosToUsd } from '../pricing/cost.js';
import type { Tx } from '../store/store.js';
import { isoNow, type Kernel } from './kernel.js';
import { transition } from './lifecycle.js';
import { findInstance } from './queries.js';
import type { SendResult } from './results.js';
import type { TurnCalls } from './turn-calls.js';

/** The turn's lease on its instance; the turn's last transaction releases it along with everything else. */
export interface TurnLease {
  held: boolean;
}

/** Releases the turn's lease in its last transaction, marked released only once that commits (else the turn's `finally` releases it). */
async function releaseLease(tx: Tx, k: Kernel, id: string, lease: TurnLease): Promise<void> {
  await tx.releaseLease(id, k.owner.id);
  tx.onCommit(() => {
    lease.held = false;
  });
}

/**
 * A failed turn stays in the history, marked, with what its finished calls were charged; the instance goes
 * back to idle and stays usable. One transaction, which also releases the turn's lease.
 */
export async function recordFailedTurn(k: Kernel, id: string, seq: number, failure: OrchestratorError, calls: TurnCalls, durationMs: number, lease: TurnLease): Promise<void> {
  const charged = calls.calls > 0 ? { usage: calls.usage, costNanos: calls.costNanos } : {};
  await k.store.transaction(async (tx) => {
    await tx.updateMessage(id, seq, { failed: true, error: failure.message, ...charged });
    const current = await findInstance(tx, id);
    // A call the API's retry-after hold kept from being sent (`not_sent`) says nothing about this instance's health.
    const notSent = failure.details?.['not_sent'] === true;
    const counts = { errorCount: current.errorCount + 1, lastError: failure.message, consecutiveFailures: current.consecutiveFailures + (notSent ? 0 : 1) };
    if (current.state === 'busy') await transition(tx, k.events, current, 'idle', 'turn_finished', isoNow(k), 'turn failed', counts);
    else await tx.patchInstance(current, counts);
    await releaseLease(tx, k, id, lease);
    tx.onCommit(() =>
      k.events.publish({
        type: 'turn.settled',
        at: isoNow(k),
        instanceId: id,
        seq,
        outcome: 'failed',
        usage: calls.usage,
        costNanos: calls.costNanos,
        durationMs: Math.round(durationMs),
        calls: calls.calls,
        stopReason: null,
        error: { code: failure.code, message: failure.message },
      }),
    );
  });
}

/** What a finished turn proves (src/evidence), computed once: stored with the reply and returned with it. */
export function proofOf(record: InstanceRecord, result: TurnResult, calls: TurnCalls): TurnProof {
  return turnProof(result, { modelCalls: calls.calls, tokens: totalTokens(calls.usage), delegating: record.allowDelegation });
}

/**
 * A finished turn: the reply, what it proves and the turn's figures in one transaction (its calls were
 * charged as they settled), which also releases the lease. Returns the instance as it now stands.
 */
export async function recordCompletedTurn(k: Kernel, id: string, result: TurnResult, calls: TurnCalls, userSeq: number, lease: TurnLease, proof: TurnProof): Promise<InstanceRecord> {
  const usage = calls.usage;
  const turnCost = calls.costNanos;
  const after = await k.store.transaction(async (tx) => {
    await tx.appendMessage(id, {
      role: 'assistant',
      content: result.text,
      at: isoNow(k),
      usage,
      costNanos: turnCost,
      durationMs: result.durationMs,
      stopReason: result.stopReason,
      model: result.model,
      ...(result.toolCalls.length > 0 ? { toolCalls: result.toolCalls } : {}),
      ...(result.retries !== undefined && result.retries > 0 ? { retries: result.retries } : {}),
      evidence: proof.evidence,
      ...(proof.verification ? { verification: proof.verification } : {}),
    });
    const before = await findInstance(tx, id);
    const figures = {
      turns: before.turns + 1,
      totalResponseMs: before.totalResponseMs + result.durationMs,
      lastResponseMs: result.durationMs,
      consecutiveFailures: 0,
      ...(result.backendState !== undefined ? { backendState: result.backendState } : {}),
    };
    tx.onCommit(() =>
      k.events.publish({
        type: 'turn.settled',
        at: isoNow(k),
        instanceId: id,
        seq: userSeq,
        outcome: 'completed',
        usage,
        costNanos: turnCost,
        durationMs: result.durationMs,
        calls: calls.calls,
        stopReason: result.stopReason,
      }),
    );
    await releaseLease(tx, k, id, lease);
    // Terminated during the turn (its parent was, say): the figures are kept, the state is not touched.
    return before.state === 'busy' ? transition(tx, k.events, before, 'idle', 'turn_finished', isoNow(k), undefined, figures) : tx.patchInstance(before, figures);
  });
  k.log.info({ instanceId: id, usage: usageView(usage), costUsd: nanosToUsd(turnCost), calls: calls.calls, ms: result.durationMs }, 'turn finished');
  return after;
}

/** What the turn asks its caller to know beyond the reply. */
export function turnWarnings(result: TurnResult, costNanos: number | null): string[] {
  const warnings: string[] = [];
  if (costNanos === null) warnings.push(`Model "${result.model}" has no known price: cost is unknown (null), not zero.`);
  if (result.stopReason === 'max_tokens') warnings.push('The reply was cut off at max_tokens (MAX_OUTPUT_TOKENS, or what the budgets had left for that call).');
  if (result.stopReason === BUDGET_EXHAUSTED) warnings.push('The turn stopped before its next model call: the budget had no room left for it. What it produced so far is kept.');
  return warnings;
}

/** send_to_instance's result: the reply, this turn's figures, and the instance as it now stands. */
export function sendResult(after: InstanceRecord, result: TurnResult, calls: TurnCalls, warnings: string[], proof: TurnProof): SendResult {
  return {
    instance_id: after.id,
    reply: result.text,
    usage: usageView(calls.usage),
    cost_usd: nanosToUsd(calls.costNanos),
    cache_savings_usd: nanosToUsd(calls.cacheSavingsNanos),
    duration_ms: result.durationMs,
    stop_reason: result.stopReason,
    model: result.model,
    model_calls: calls.calls,
    state: after.state,
    state_reason: after.stateReason,
    instance_usage: usageView(after.usage),
    instance_cost_usd: nanosToUsd(after.costNanos),
    ...(result.toolCalls.length > 0 ? { tool_calls: result.toolCalls.map((c) => ({ name: c.name, input: c.input, is_error: c.isError, result: c.result })) } : {}),
    ...(result.retries !== undefined ? { retries: result.retries } : {}),
    ...(result.changedFiles ? { changed_files: [...result.changedFiles] } : {}),
    ...(result.permissionDenials && result.permissionDenials.length > 0
      ? { permission_denials: result.permissionDenials.map((d) => ({ tool: d.tool, input: d.input, reason: d.reason })) }
      : {}),
    ...(result.agentCostUsd !== undefined ? { agent_cost_usd: result.agentCostUsd } : {}),
    evidence: proof.evidence,
    ...(proof.verification ? { verification: proof.verification } : {}),
    warnings: [...warnings, ...unverifiedWarning(proof.verification)],
  };
}
