import { assertTransition, type InstanceRecord, type InstanceState, type TransitionReason } from '../domain/instance.js';
import type { InstancePatch, Tx } from '../store/store.js';
import type { EventBus } from './events.js';

/**
 * The one place an instance changes state: checks the transition table, writes the new state with its
 * reason (and any other fields that change with it, `also`), records the lifecycle event, and publishes
 * `instance.state_changed` once the transaction commits. Pass the record when this transaction read it.
 */
export async function transition(
  tx: Tx,
  events: EventBus,
  instance: string | InstanceRecord,
  to: InstanceState,
  reason: TransitionReason,
  at: string,
  detail?: string,
  also: InstancePatch = {},
): Promise<InstanceRecord> {
  // A record read in this same transaction saves the re-read.
  const current = typeof instance === 'string' ? await tx.getInstance(instance) : instance;
  if (!current) throw new Error(`transition of unknown instance ${String(instance)}`);
  const id = current.id;
  assertTransition(id, current.state, to);
  const next = await tx.patchInstance(current, { ...also, state: to, stateReason: reason, stateChangedAt: at });
  await tx.appendEvent({ instanceId: id, at, from: current.state, to, reason, ...(detail !== undefined ? { detail } : {}) });
  tx.onCommit(() => events.publish({ type: 'instance.state_changed', at, instanceId: id, from: current.state, to, reason, ...(detail !== undefined ? { detail } : {}) }));
  return next;
}
