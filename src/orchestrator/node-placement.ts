import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { Tx } from '../store/store.js';
import { isoNow, type Kernel } from './kernel.js';
import { remoteError, routeSend, unavailableError, type NodeContext, type NodeRef } from './nodes.js';

/** What this node knows to judge other nodes, from its kernel. */
export function nodeContext(k: Kernel): NodeContext {
  return {
    self: k.owner,
    workspaceDir: k.config.workspaceDir,
    sharedWorkspaces: k.config.sharedWorkspaces,
    nowMs: k.clock.now(),
    deadMs: k.config.nodeDeadSeconds * 1000,
    workspaceExists: existsSync,
  };
}

/**
 * Which of these instances a send can reach now (by id; absent: no node). One read of the nodes, plus one per
 * node not among the freshest listed: bounded by the nodes on the page, never by instances.
 */
export async function nodeAvailability(k: Kernel, records: readonly InstanceRecord[]): Promise<ReadonlyMap<string, boolean>> {
  const hosted = records.filter((r) => r.node !== null && r.node !== k.owner.id);
  const out = new Map<string, boolean>(records.filter((r) => r.node === k.owner.id).map((r) => [r.id, true]));
  if (hosted.length === 0) return out;
  const nodes = new Map((await k.store.listOwners(DEFAULTS.maxNodesListed)).map((n) => [n.id, n]));
  const ctx = nodeContext(k);
  for (const r of hosted) {
    const id = r.node as string;
    if (!nodes.has(id)) {
      const owner = await k.store.getOwner(id);
      if (owner) nodes.set(id, owner);
    }
    const route = routeSend(r, nodes.get(id), ctx);
    out.set(r.id, route === 'local' || !('unavailable' in route));
  }
  return out;
}

/**
 * Decides where a send to `record` runs before it is queued: here (the record, with this node as its node
 * when it took the instance over from a dead one), or nowhere (an `unavailable` error naming the node).
 */
export async function placeSend(k: Kernel, record: InstanceRecord): Promise<InstanceRecord> {
  if (record.node === null || record.node === k.owner.id) return record;
  const route = routeSend(record, await k.store.getOwner(record.node), nodeContext(k));
  if (route === 'local') return record;
  if ('unavailable' in route) throw unavailableError(record.id, route.unavailable);
  if ('remote' in route) throw remoteError(record.id, route.remote);
  return (await takeOver(k, [record.id], route.takeOver))[0] ?? record;
}

/**
 * Makes this node the node of instances a dead node hosted, in one transaction; each one still on that node
 * (another node may have taken it first). Their agents' sessions resume here on their next turn.
 */
export async function takeOver(k: Kernel, ids: readonly string[], from: NodeRef): Promise<InstanceRecord[]> {
  const moved = await k.store.transaction(async (tx: Tx) => {
    const out: InstanceRecord[] = [];
    for (const id of ids) {
      const current = await tx.getInstance(id);
      if (current?.node === from.id) out.push(await tx.patchInstance(current, { node: k.owner.id }));
    }
    return out;
  });
  if (moved.length > 0) {
    k.log.warn({ node: from.id, heartbeatAt: from.heartbeatAt, instances: moved.map((r) => r.id), at: isoNow(k) }, 'took over claude-code instances of a node that is gone');
  }
  return moved;
}

