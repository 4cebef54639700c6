import { isLive, type InstanceRecord, type TransitionReason } from '../domain/instance.js';
import { OrchestratorError } from '../domain/errors.js';
import { expiresAtMs } from '../domain/lifetime.js';
import { totalTokens } from '../domain/usage.js';
import { nanosToUsd } from '../pricing/cost.js';

/**
 * The limit an instance is at or past, if any: the reason it must be (or has been) terminated for. With
 * `askable` (its caller's client can be asked to raise a spent budget) its own spend limits don't end it:
 * the hold of its next call asks instead.
 */
export function breachedLimit(record: InstanceRecord, nowMs: number, options: { readonly askable?: boolean } = {}): TransitionReason | null {
  const spendCounts = options.askable !== true;
  if (spendCounts && totalTokens(record.usage) >= record.limits.maxTotalTokens) return 'limit:tokens';
  if (spendCounts && record.limits.maxCostNanos !== null && record.costNanos !== null && record.costNanos >= record.limits.maxCostNanos) return 'limit:cost';
  if (nowMs >= expiresAtMs(record)) return 'timeout';
  return null;
}

export function assertSpawnCapacity(liveCount: number, maxInstances: number): void {
  if (liveCount >= maxInstances) {
    throw new OrchestratorError(
      'limit_exceeded',
      `Cannot spawn: ${liveCount} live instances is the limit (MAX_INSTANCES=${maxInstances}). Terminate an instance with terminate_instance, or raise MAX_INSTANCES.`,
      { live: liveCount, max: maxInstances },
    );
  }
}

export function assertGlobalBudget(spentNanos: number, budgetNanos: number): void {
  if (spentNanos >= budgetNanos) {
    throw new OrchestratorError(
      'limit_exceeded',
      `The global cost budget is spent: $${nanosToUsd(spentNanos)?.toFixed(4)} of $${nanosToUsd(budgetNanos)?.toFixed(2)} (MAX_TOTAL_COST). Raise MAX_TOTAL_COST to continue.`,
      { spentUsd: nanosToUsd(spentNanos), budgetUsd: nanosToUsd(budgetNanos) },
    );
  }
}

/** The user-facing sentence for why an instance stopped. */
export function describeReason(reason: TransitionReason): string {
  switch (reason) {
    case 'limit:tokens':
      return 'it reached its token limit (max_total_tokens)';
    case 'limit:cost':
      return 'it reached its cost limit (max_cost)';
    case 'timeout':
      return 'its lifetime ran out (timeout_minutes)';
    case 'parent_terminated':
      return 'its parent was terminated';
    case 'requested':
      return 'it was terminated on request';
    case 'shutdown':
      return 'the server shut down';
    case 'error':
      return 'it failed';
    default:
      return reason;
  }
}

/** Throws `invalid_state`, naming the state and why it was reached, unless the instance can take a turn. */
export function assertTakesTurns(record: InstanceRecord, action = 'take messages. Spawn a new instance with spawn_claude'): void {
  if (isLive(record.state) && record.state !== 'terminating') return;
  throw new OrchestratorError('invalid_state', `Instance ${record.id} is ${record.state} (${describeReason(record.stateReason)}) and cannot ${action}.`, {
    instance_id: record.id,
    state: record.state,
    reason: record.stateReason,
  });
}

/** A parent must be live, within the depth limit, and below its children cap. */
export function assertCanHaveChild(
  parent: InstanceRecord,
  liveChildren: number,
  limits: { readonly maxDelegationDepth: number; readonly maxChildrenPerParent: number },
): void {
  if (!isLive(parent.state) || parent.state === 'terminating') {
    throw new OrchestratorError('invalid_state', `Parent instance ${parent.id} is ${parent.state}; a child needs a live parent.`);
  }
  if (parent.depth + 1 > limits.maxDelegationDepth) {
    throw new OrchestratorError(
      'limit_exceeded',
      `Cannot spawn a child of ${parent.id}: it is at depth ${parent.depth} and trees may be ${limits.maxDelegationDepth} deep (MAX_DELEGATION_DEPTH).`,
    );
  }
  if (liveChildren >= limits.maxChildrenPerParent) {
    throw new OrchestratorError(
      'limit_exceeded',
      `Cannot spawn a child of ${parent.id}: it already has ${liveChildren} live children, the limit (MAX_CHILDREN_PER_PARENT=${limits.maxChildrenPerParent}). Terminate one first.`,
    );
  }
}
