import type { InstanceRecord } from '../domain/instance.js';
import { toOrchestratorError } from '../domain/errors.js';
import { sleep } from '../async/sleep.js';
import { isoNow, type Kernel } from './kernel.js';
import { findInstance } from './queries.js';
import { freeLeaseOfGoneOwner, interruptLeftTurn } from './recovery.js';
import type { TurnLease } from './turn-end.js';

/** Holds the instance's turn lease (another server on the store may be running a turn of it) for the whole turn. */
export async function withTurnLease<T>(k: Kernel, id: string, waitSignal: AbortSignal, turn: (lease: TurnLease) => Promise<T>): Promise<T> {
  let waitMs = 25;
  while (!(await k.store.transaction((tx) => tx.acquireLease(id, k.owner.id, k.clock.now(), k.leaseMs)))) {
    if (await freeLeaseOfGoneOwner(k, id)) continue;
    await sleep(waitMs, waitSignal);
    waitMs = Math.min(1_000, waitMs * 2);
  }
  const renew = setInterval(() => {
    k.store.transaction((tx) => tx.renewLease(id, k.owner.id, k.clock.now(), k.leaseMs)).catch((error: unknown) => k.log.warn({ instanceId: id, err: toOrchestratorError(error).message }, 'lease renewal failed'));
  }, k.leaseMs / 3);
  renew.unref();
  // The turn's last transaction releases the lease with everything else; if the turn never got that far, this does.
  const lease: TurnLease = { held: true };
  try {
    return await turn(lease);
  } finally {
    clearInterval(renew);
    if (lease.held) await k.store.transaction((tx) => tx.releaseLease(id, k.owner.id));
  }
}

/**
 * Ends a turn still marked busy though this server holds the instance's lease: the server of that turn stopped
 * (its lease ran out) before recovery took it back, so no turn of it can be running now.
 */
export async function takeBackLeftTurn(k: Kernel, record: InstanceRecord): Promise<InstanceRecord> {
  const after = await k.store.transaction(async (tx) => {
    const current = await tx.getInstance(record.id);
    return current?.state === 'busy' ? interruptLeftTurn(k, tx, current, isoNow(k)) : current;
  });
  k.log.warn({ instanceId: record.id }, 'took back a turn left running by a server that stopped (its lease ran out)');
  return after ?? (await findInstance(k.store, record.id));
}
