import { OrchestratorError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { Kernel } from './kernel.js';
import { assertGlobalBudget, assertTakesTurns, breachedLimit, describeReason } from './limits.js';
import { terminate } from './terminate.js';
import { exhaustedBy, type Conversation } from './turn-fit.js';

/**
 * A send refused by the instance's own budget: if not even a one-word message with a useful reply fits any
 * more, the instance is at its limit and ends (like one past it); otherwise only this message was too long.
 * When the caller could be asked to raise the budget (and said no), it stays: a later send asks again.
 */
export async function refusedTurn(k: Kernel, record: InstanceRecord, history: Conversation, error: unknown, askable: boolean): Promise<unknown> {
  const binding = error instanceof OrchestratorError ? error.details?.['binding'] : undefined;
  if (askable || (binding !== 'limit:tokens' && binding !== 'limit:cost')) return error;
  const exhausted = exhaustedBy(k, record, history);
  if (!exhausted) return error;
  await terminate(k, record.id, exhausted);
  return new OrchestratorError(
    'limit_exceeded',
    `Instance ${record.id} was terminated because ${describeReason(exhausted)}: not even a one-word message with a reply of ${k.config.minOutputTokens} tokens (MIN_OUTPUT_TOKENS) fits what is left. Spawn a new instance to continue.`,
    { reason: exhausted },
  );
}

/**
 * Throws a clear error if the instance can't take a turn now (or the global budget is spent); terminates it
 * first if it is past a limit. A spent budget the caller can be asked to raise is left to the hold, which asks.
 */
export async function checkUsable(k: Kernel, record: InstanceRecord, askable: boolean): Promise<void> {
  await checkLimits(k, record, askable);
  if (!askable) assertGlobalBudget((await k.store.totals()).costNanos, k.holds.global.nanos);
}

/** Throws unless the instance can take a turn; terminates it first if it is past one of its own limits (spend ones only if nobody can be asked). */
export async function checkLimits(k: Kernel, record: InstanceRecord, askable: boolean): Promise<void> {
  assertTakesTurns(record);
  const breached = breachedLimit(record, k.clock.now(), { askable });
  if (breached) {
    await terminate(k, record.id, breached);
    throw new OrchestratorError('limit_exceeded', `Instance ${record.id} was terminated because ${describeReason(breached)}. Spawn a new instance to continue.`, { reason: breached });
  }
}
