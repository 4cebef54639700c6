import { assertTransition, type InstanceRecord, type InstanceState, type TransitionReason } from '../domain/instance.js';
import type { Store } from '../store/store.js';

/**
 * The one place an instance changes state: checks the transition table, writes the new state with its
 * reason, and records the event.
 */
export function transition(
  store: Store,
  id: string,
  to: InstanceState,
  reason: TransitionReason,
  at: string,
  detail?: string,
): InstanceRecord {
  const current = store.getInstance(id);
  if (!current) throw new Error(`transition of unknown instance ${id}`);
  assertTransition(id, current.state, to);
  const next = store.updateInstance(id, { state: to, stateReason: reason, stateChangedAt: at });
  store.appendEvent({ instanceId: id, at, from: current.state, to, reason, ...(detail !== undefined ? { detail } : {}) });
  return next;
}
