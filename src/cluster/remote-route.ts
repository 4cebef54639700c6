import type { InstanceRecord } from '../domain/instance.js';
import type { Kernel } from '../orchestrator/kernel.js';
import { nodeContext } from '../orchestrator/node-placement.js';
import { routeSend } from '../orchestrator/nodes.js';
import type { Owner } from '../store/owner.js';

/**
 * The live node a send to `record` must be handed to (a claude-code instance hosted by another node, on
 * another machine or WORKSPACE_DIR), or undefined when the send is placed here (see placeSend). One read of
 * the node's record, only for instances hosted by another node.
 */
export async function remoteNode(k: Kernel, record: Pick<InstanceRecord, 'id' | 'node' | 'workspace'>): Promise<Owner | undefined> {
  if (record.node === null || record.node === k.owner.id) return undefined;
  const route = routeSend(record, await k.store.getOwner(record.node), nodeContext(k));
  return route !== 'local' && 'remote' in route ? route.remote : undefined;
}
