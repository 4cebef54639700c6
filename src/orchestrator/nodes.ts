import { hostname } from 'node:os';
import { relative, isAbsolute } from 'node:path';
import { OrchestratorError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/instance.js';
import { ownerIsGone, STOPPED_HEARTBEAT, type Owner } from '../store/owner.js';

/**
 * The rules of a cluster of nodes (orchestrators sharing one store), as plain functions: whether a node is
 * gone, and where a send to an instance runs. The orchestrator wires them (node-watch.ts, turn.ts).
 */

/** A node as far as the store knows it: its owner record, or only its id when the store has none. */
export type NodeRef = Pick<Owner, 'id'> & Partial<Owner>;

/**
 * Whether a node is gone. On its own host (`here`) its process answers, at once (pid and process start);
 * elsewhere its heartbeat does: none for `deadMs`, and it is dead. A heartbeat that can't be read is none;
 * a node that stopped cleanly said so (STOPPED_HEARTBEAT).
 */
export function nodeIsGone(node: Owner, here: string, nowMs: number, deadMs: number): boolean {
  if (node.heartbeatAt === STOPPED_HEARTBEAT) return true;
  if (node.host === here) return ownerIsGone(node, here);
  const last = Date.parse(node.heartbeatAt);
  return !(last > nowMs - deadMs);
}

/** What a node knows to route a send: itself, its workspace root, and how node liveness is judged. */
export interface NodeContext {
  readonly self: Owner;
  readonly workspaceDir: string;
  /** WORKSPACE_DIR is one volume every node mounts at the same path (SHARED_WORKSPACES). */
  readonly sharedWorkspaces: boolean;
  readonly nowMs: number;
  readonly deadMs: number;
  /** Whether a workspace directory is on this node's disk (a node restarted under another host name, same volume). */
  readonly workspaceExists?: (path: string) => boolean;
}

/**
 * Where a send to an instance runs:
 * - `local`: on this node (an api instance, one of ours, or one whose node shares this machine and workspace
 *   root, as several servers on one store file always have);
 * - `takeOver`: its node is dead but its workspace is reachable here (a restart on the same machine and
 *   WORKSPACE_DIR, a shared volume, or its workspace found on this node's disk): this node becomes its node
 *   and resumes the agent's session;
 * - `remote`: its node is alive elsewhere: the turn must run there;
 * - `unavailable`: its node is dead and its workspace is out of reach: nothing can run it until the node returns.
 */
export type SendRoute = 'local' | { readonly takeOver: NodeRef } | { readonly remote: Owner } | { readonly unavailable: NodeRef };

export function routeSend(instance: Pick<InstanceRecord, 'id' | 'node' | 'workspace'>, node: Owner | undefined, ctx: NodeContext): SendRoute {
  if (instance.node === null || instance.node === ctx.self.id) return 'local';
  const ref: NodeRef = node ?? { id: instance.node };
  const inMyDir = isWithin(instance.workspace, ctx.workspaceDir);
  const sameMachine = node !== undefined && node.host === ctx.self.host && inMyDir;
  const reachable = sameMachine || (ctx.sharedWorkspaces && inMyDir);
  if (node === undefined || nodeIsGone(node, ctx.self.host, ctx.nowMs, ctx.deadMs)) {
    return reachable || (inMyDir && ctx.workspaceExists?.(instance.workspace) === true) ? { takeOver: ref } : { unavailable: ref };
  }
  return sameMachine ? 'local' : { remote: node };
}

/** The error of a send to an instance whose node is dead and whose workspace is out of reach. */
export function unavailableError(instanceId: string, node: NodeRef): OrchestratorError {
  const where = node.address ? ` (${node.address})` : '';
  const since = node.heartbeatAt ? `, which stopped heartbeating at ${node.heartbeatAt}` : ', which this store has no record of';
  return new OrchestratorError(
    'unavailable',
    `Instance ${instanceId} runs on node ${node.id}${where}${since}; it is unavailable until that node returns. ` +
      'Its agent and workspace live on that node. If WORKSPACE_DIR is a volume every node shares, set SHARED_WORKSPACES=true so another node resumes it.',
    { instance_id: instanceId, node: node.id, address: node.address ?? null, heartbeat_at: node.heartbeatAt ?? null },
  );
}

/** The error of a send that arrived at a node other than the live one hosting the instance (until hand-off between nodes). */
export function remoteError(instanceId: string, node: Owner): OrchestratorError {
  const via = node.address ? `through that node's address, ${node.address}` : 'through that node (it serves no HTTP: use its own client)';
  return new OrchestratorError('unavailable', `Instance ${instanceId} runs on node ${node.id}, where its agent and workspace live: send to it ${via}.`, {
    instance_id: instanceId,
    node: node.id,
    address: node.address,
  });
}

/** Whether `path` lies inside `dir` (both absolute, as workspaces are). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The address other nodes and clients reach this node at: NODE_ADDRESS if set, else the URL it listens on,
 * with a wildcard bind (0.0.0.0, ::) replaced by the machine's name.
 */
export function advertisedAddress(listenUrl: string, configured: string | undefined, host = hostname()): string {
  if (configured !== undefined) return configured.replace(/\/+$/, '');
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = host;
  return url.origin;
}
