import type { Store } from '../store/store.js';
import { ownerIsGone } from '../store/owner.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { transition } from './lifecycle.js';

export interface RecoveryInput {
  readonly store: Store;
  readonly tasks: TaskRegistry;
  /** This server: its own leases are never orphans. */
  readonly ownerId: string;
  readonly nowMs: number;
  readonly leaseMs: number;
  /** Whether this server is running or queueing a turn of the instance. */
  readonly running: (instanceId: string) => boolean;
}

/**
 * Takes back what servers that are gone left behind on a shared store: a turn that was running is marked
 * interrupted (its message kept, marked failed, not charged) and the instance idle again; a spawn or a
 * terminate half done is finished; their tasks end `interrupted` and their budget holds are released.
 * An owner on this host is gone when its process is; elsewhere its lease expiring is what frees the work.
 */
export function recoverOrphans(input: RecoveryInput): { instances: string[]; tasks: string[] } {
  const { store, nowMs } = input;
  const at = new Date(nowMs).toISOString();
  const owners = new Map<string, boolean>();
  const gone = (ownerId: string): boolean => {
    if (ownerId === input.ownerId) return false;
    let known = owners.get(ownerId);
    if (known === undefined) {
      const owner = store.getOwner(ownerId);
      known = owner ? ownerIsGone(owner) : false;
      owners.set(ownerId, known);
    }
    return known;
  };
  const recovered: string[] = [];
  for (const r of store.allInstances()) {
    if (r.state !== 'busy' && r.state !== 'spawning' && r.state !== 'terminating') continue;
    if (input.running(r.id)) continue;
    const lease = store.leaseOf(r.id);
    const stale = Date.parse(r.stateChangedAt) < nowMs - input.leaseMs;
    const orphan = lease ? lease.owner !== input.ownerId && (gone(lease.owner) || lease.expiresAt <= nowMs) : r.state === 'busy' || stale;
    if (!orphan) continue;
    store.transaction(() => {
      if (r.state === 'busy') {
        const last = store.allMessages(r.id).at(-1);
        const note = 'Interrupted: the server running this turn stopped before the reply. Nothing was charged for it; send the message again to retry.';
        if (last?.role === 'user' && !last.failed) store.updateMessage(r.id, last.seq, { failed: true, error: note });
        store.updateInstance(r.id, { errorCount: r.errorCount + 1, lastError: note });
        transition(store, r.id, 'idle', 'turn_finished', at, 'interrupted by a server stop');
      } else if (r.state === 'spawning') {
        transition(store, r.id, 'failed', 'error', at, 'the server spawning it stopped');
      } else {
        transition(store, r.id, 'terminated', r.stateReason, at, 'finished after the terminating server stopped');
      }
      if (lease) store.releaseLease(r.id, lease.owner);
    });
    recovered.push(r.id);
  }
  for (const res of store.listReservations()) if (gone(res.owner)) store.removeReservation(res.id);
  const tasks = input.tasks.interruptOrphans(store.listTasks('working'), gone);
  return { instances: recovered, tasks };
}

