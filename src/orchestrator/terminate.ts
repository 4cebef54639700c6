import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { instanceRefSchema, parseInput, type InstanceRef } from '../domain/inputs.js';
import { isLive, type InstanceRecord, type TransitionReason } from '../domain/instance.js';
import { usageView } from '../domain/usage.js';
import { pauseAt } from '../durability/pause-point.js';
import { nanosToUsd } from '../pricing/cost.js';
import { isoNow, type Kernel } from './kernel.js';
import { transition } from './lifecycle.js';
import { describeReason } from './limits.js';
import { findInstance } from './queries.js';
import type { TerminateResult } from './results.js';
import { sessionSpec } from './sessions.js';
import { removeWorkspace } from './workspaces.js';
import { nodeContext } from './node-placement.js';
import { routeSend } from './nodes.js';

/** terminate_instance: ends a live instance (its children first). Terminating an ended one is a clear error. */
export async function terminateInstance(k: Kernel, raw: InstanceRef): Promise<TerminateResult> {
  const input = parseInput(instanceRefSchema, raw);
  const record = await findInstance(k.store, input.instance_id);
  if (!isLive(record.state)) {
    throw new OrchestratorError('invalid_state', `Instance ${record.id} is already ${record.state} (${describeReason(record.stateReason)}).`, { state: record.state, reason: record.stateReason });
  }
  return terminate(k, record.id, 'requested');
}

/**
 * Ends an instance: its live children first, then its session (or, when none is open here, what the backend
 * keeps outside the store, such as a worktree), its workspace unless kept, and its record, with the reason.
 */
export async function terminate(k: Kernel, id: string, why: TransitionReason): Promise<TerminateResult> {
  const terminatedChildren: string[] = [];
  for (const child of await k.store.childrenOf(id, { liveOnly: true })) {
    if (child.state === 'terminating') continue;
    const result = await terminate(k, child.id, 'parent_terminated');
    terminatedChildren.push(child.id, ...result.terminated_children);
  }
  const record = await findInstance(k.store, id);
  // With no turn holding it, the terminate takes the instance's lease: if this server dies half way, a restarted
  // server's recovery sees the lease's owner gone and finishes the terminate at once (without a lease it must
  // first wait for the record to look stale). Found by the crash matrix (durability/crash-matrix.test.ts).
  let leased = false;
  if (record.state !== 'terminating') {
    leased = await k.store.transaction(async (tx) => {
      await transition(tx, k.events, id, 'terminating', why, isoNow(k));
      return (await tx.leaseOf(id)) === null && (await tx.acquireLease(id, k.owner.id, k.clock.now(), k.leaseMs));
    });
  }
  await pauseAt('terminate');
  let workspaceRemoved: boolean;
  let final: InstanceRecord;
  try {
    workspaceRemoved = await cleanUp(k, record);
    final = await k.store.transaction(async (tx) => {
      const done = await transition(tx, k.events, id, 'terminated', why, isoNow(k));
      if (leased) await tx.releaseLease(id, k.owner.id);
      return done;
    });
  } catch (error) {
    // Left `terminating` for recovery to finish: it must not find it leased by a server that is alive.
    if (leased) await k.store.transaction((tx) => tx.releaseLease(id, k.owner.id)).catch(() => undefined);
    throw error;
  }
  k.log.info({ instanceId: id, reason: why, usage: usageView(final.usage), costUsd: nanosToUsd(final.costNanos) }, 'instance terminated');
  return {
    instance_id: id,
    state: final.state,
    reason: why,
    usage: usageView(final.usage),
    cost_usd: nanosToUsd(final.costNanos),
    turns: final.turns,
    workspace_removed: workspaceRemoved,
    terminated_children: terminatedChildren,
  };
}

/** Closes the instance's session (or what its backend keeps outside the store) and removes its workspace unless kept; true once removed. */
async function cleanUp(k: Kernel, record: InstanceRecord): Promise<boolean> {
  // A claude-code agent and workspace on another node are that node's to clean up: none of them is here.
  if (record.node !== null && record.node !== k.owner.id && (await hostedElsewhere(k, record))) {
    k.log.info({ instanceId: record.id, node: record.node }, 'terminated here; its agent and workspace stay on its node');
    return false;
  }
  try {
    const session = k.sessions.take(record.id);
    if (session) await (session.terminate ? session.terminate() : session.close());
    else await (await k.backends.get(record.backend)).release?.(sessionSpec(record));
    if (record.keepWorkspace) return false;
    await removeWorkspace(k.config.workspaceDir, record.id);
    return true;
  } catch (error) {
    k.log.warn({ instanceId: record.id, err: toOrchestratorError(error).message }, 'cleanup after terminate failed');
    return false;
  }
}

/** Whether an instance's agent and workspace are on another node, out of this one's reach. */
async function hostedElsewhere(k: Kernel, record: InstanceRecord): Promise<boolean> {
  const route = record.node === null ? 'local' : routeSend(record, await k.store.getOwner(record.node), nodeContext(k));
  return route !== 'local' && !('takeOver' in route);
}
