import type { InstanceRecord } from '../domain/instance.js';
import { toOrchestratorError } from '../domain/errors.js';
import type { Tx } from '../store/store.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { isoNow, type Kernel } from './kernel.js';
import { transition } from './lifecycle.js';
import { breachedLimit } from './limits.js';
import { nodeIsGone } from './nodes.js';
import { terminate } from './terminate.js';

/** How many of each kind of leftover (or of any other work) one health check takes; the next one takes the rest. */
export const BATCH = 500;

/** The states a server leaves an instance in when it stops half way: recovery finishes each its own way. */
const HALF_DONE = ['busy', 'spawning', 'terminating'] as const;

export interface Recovered {
  readonly instances: string[];
  readonly tasks: string[];
  readonly holds: number;
}

/**
 * Ends a turn that a server left running (it stopped, or its lease ran out): the user's message is kept,
 * marked failed with a note saying to send it again, and the instance is idle again. Called by recovery, and
 * by a turn that got the lease of an instance still marked busy (the lease proves no turn of it runs).
 */
export async function interruptLeftTurn(k: Kernel, tx: Tx, current: InstanceRecord, at: string): Promise<InstanceRecord> {
  const note = 'Interrupted: the server running this turn stopped before the reply. The model calls it finished are charged; send the message again to retry.';
  await markLeftTurn(tx, current.id, note);
  return transition(tx, k.events, current, 'idle', 'turn_finished', at, 'interrupted: the server running this turn stopped, or its last write failed', {
    errorCount: current.errorCount + 1,
    lastError: note,
  });
}

/** What a turn cut off on an instance that was ended meanwhile says: there is nothing to send it again to. */
const ENDED_NOTE = 'Interrupted: the server running this turn stopped before the reply, and the instance was ended meanwhile. The model calls it finished are charged.';

/**
 * Marks the turn a server left on an instance (its user message, last and not yet marked) as failed with
 * `note`; its reply never came, and the calls it finished stay charged. False (nothing done) when no turn was left.
 */
async function markLeftTurn(tx: Tx, instanceId: string, note: string): Promise<boolean> {
  const last = await tx.lastMessage(instanceId);
  if (last?.role !== 'user' || last.failed) return false;
  await tx.updateMessage(instanceId, last.seq, { failed: true, error: note });
  return true;
}

/**
 * Frees an instance's turn lease held by a server that is gone (killed between taking the lease and marking
 * the instance busy leaves an idle instance leased until the lease expires): a send waiting for it need not
 * wait out the expiry. A busy instance's left turn is then taken back by the send that gets the lease.
 */
export async function freeLeaseOfGoneOwner(k: Kernel, instanceId: string): Promise<boolean> {
  const lease = await k.store.leaseOf(instanceId);
  if (!lease || lease.owner === k.owner.id || !(await ownerIsGone(k, lease.owner, k.clock.now()))) return false;
  await k.store.transaction((tx) => tx.releaseLease(instanceId, lease.owner));
  k.log.warn({ instanceId, owner: lease.owner }, 'freed a turn lease held by a server that stopped');
  return true;
}

/** Whether a server (owner) on the store is gone: its process, on this host; its heartbeat, elsewhere. An unknown one is not. */
async function ownerIsGone(k: Kernel, ownerId: string, nowMs: number): Promise<boolean> {
  const owner = await k.store.getOwner(ownerId);
  return owner ? nodeIsGone(owner, k.owner.host, nowMs, k.config.nodeDeadSeconds * 1000) : false;
}

/**
 * Takes back what servers that are gone left behind on a shared store: a turn that was running is marked
 * interrupted (its message kept, marked failed; the model calls it finished stay charged) and the instance
 * idle again; a spawn or a terminate half done is finished; their holds are released, and their tasks end
 * `interrupted`, or, with RESUME_INTERRUPTED, are taken over and run again here (src/resume: a coordination, or
 * a send whose turn had not begun). An owner on this host is gone when its process is; elsewhere when its heartbeat is older than
 * NODE_DEAD_SECONDS (nodes.ts), and before that its lease expiring frees an instance.
 * Reads only instances in a transient state (an index range), never every instance.
 */
export async function recoverOrphans(k: Kernel, tasks: TaskRegistry, running: (instanceId: string) => boolean): Promise<Recovered> {
  const { store } = k;
  const nowMs = k.clock.now();
  const known = new Map<string, boolean>();
  const gone = async (ownerId: string): Promise<boolean> => {
    if (ownerId === k.owner.id) return false;
    let answer = known.get(ownerId);
    if (answer === undefined) {
      answer = await ownerIsGone(k, ownerId, nowMs);
      known.set(ownerId, answer);
    }
    return answer;
  };
  const recovered: string[] = [];
  for (const r of await store.instancesInStates(HALF_DONE, BATCH)) {
    const lease = await store.leaseOf(r.id);
    // A turn of ours is running (or about to: it holds no lease yet). A send of ours that only waits for another
    // server's lease is no reason to skip: if that server is gone, the turn it left must be taken back first.
    if (running(r.id) && (!lease || lease.owner === k.owner.id)) continue;
    const stale = Date.parse(r.stateChangedAt) < nowMs - k.leaseMs;
    // Our own lease on a busy instance with no turn of ours running is left by a turn whose last write failed.
    const ours = lease?.owner === k.owner.id;
    const orphan = lease ? (ours ? r.state === 'busy' : (await gone(lease.owner)) || lease.expiresAt <= nowMs) : r.state === 'busy' || stale;
    if (!orphan) continue;
    const after = await store.transaction(async (tx) => {
      // Another server may have taken it back meanwhile.
      const current = await tx.getInstance(r.id);
      if (current?.state !== r.state) return undefined;
      const at = isoNow(k);
      let next;
      if (r.state === 'busy') {
        next = await interruptLeftTurn(k, tx, current, at);
      } else if (r.state === 'spawning') {
        next = await transition(tx, k.events, current, 'failed', 'error', at, 'the server spawning it stopped');
      } else {
        // Terminated while a turn of it ran: that turn's server stopped too, before its reply (it holds the lease).
        if (lease) await markLeftTurn(tx, r.id, ENDED_NOTE);
        next = await transition(tx, k.events, current, 'terminated', r.stateReason, at, 'finished after the terminating server stopped');
      }
      if (lease) await tx.releaseLease(r.id, lease.owner);
      return next;
    });
    if (!after) continue;
    recovered.push(r.id);
    // Its calls were charged as they settled: an interrupted turn may have taken it past its own limit.
    const breached = after.state === 'idle' ? breachedLimit(after, nowMs) : null;
    if (breached) await terminate(k, r.id, breached).catch((error: unknown) => k.log.error({ instanceId: r.id, err: toOrchestratorError(error).message }, 'limit enforcement after recovery failed'));
  }
  const leases = await takeBackLeases(k, gone);
  let holds = 0;
  for (const owner of await store.holdOwners()) {
    if (!(await gone(owner))) continue;
    const orphaned = await store.holdsOf(owner, BATCH);
    await store.transaction(async (tx) => {
      for (const hold of orphaned) if (await tx.removeHold(hold.id)) holds += 1;
    });
  }
  if (holds > 0) k.holds.wake();
  const interrupted = await tasks.interruptOrphans(await store.listTasks('working', BATCH), gone);
  return { instances: [...recovered, ...leases], tasks: interrupted, holds };
}

/**
 * The turn leases of servers that are gone, on instances in any other state (the loop above takes the busy,
 * spawning and terminating ones): an instance terminated while its turn ran, whose server then stopped before
 * recording the turn, keeps that turn's lease and its unanswered message, which is marked interrupted here;
 * an idle one leased by a server killed before its turn began is simply freed. Returns the instances whose
 * left turn was marked.
 */
async function takeBackLeases(k: Kernel, gone: (ownerId: string) => Promise<boolean>): Promise<string[]> {
  const marked: string[] = [];
  for (const owner of await k.store.leaseOwners(BATCH)) {
    if (!(await gone(owner))) continue;
    for (const id of await k.store.leasedBy(owner, BATCH)) {
      const left = await k.store.transaction(async (tx) => {
        const current = await tx.getInstance(id);
        // Taken back meanwhile (by another server's recovery, or by a send that got the lease), or left to the loop above.
        if (!current || (await tx.leaseOf(id))?.owner !== owner || (HALF_DONE as readonly string[]).includes(current.state)) return false;
        const marked = await markLeftTurn(tx, id, ENDED_NOTE);
        await tx.releaseLease(id, owner);
        return marked;
      });
      if (left) marked.push(id);
    }
  }
  return marked;
}
