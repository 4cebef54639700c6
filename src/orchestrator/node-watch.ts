import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { STOPPED_HEARTBEAT, type Owner } from '../store/owner.js';
import { isoNow, type Kernel } from './kernel.js';
import { nodeContext, takeOver } from './node-placement.js';
import { isWithin, nodeIsGone } from './nodes.js';
import { BATCH } from './recovery.js';

/** What one sweep of the nodes found. */
export interface NodeSweep {
  /** Nodes found gone since the last sweep (their leases, holds and tasks were taken back). */
  readonly dead: string[];
  /** claude-code instances this node took back from a dead node on its machine and workspace root. */
  readonly takenBack: string[];
}

/**
 * This node's part in the cluster: every NODE_HEARTBEAT_SECONDS it records that it is alive and looks for
 * nodes that are not. A node newly found gone has its work taken back (`recover`: leases, holds, tasks, as
 * for any gone owner) and, when it ran on this machine with this WORKSPACE_DIR (a restart), its claude-code
 * instances become this node's. Reads the nodes (bounded) and, per dead node, its own instances (an index
 * range): never every instance.
 */
export class NodeWatch {
  readonly #k: Kernel;
  readonly #recover: () => Promise<unknown>;
  #address: string | null = null;
  /** Nodes already found gone: each is handled once (again only if it comes back and dies again). */
  #handled = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<unknown> = Promise.resolve();

  constructor(k: Kernel, recover: () => Promise<unknown>) {
    const { nodeHeartbeatSeconds: beat, nodeDeadSeconds: dead } = k.config;
    if (dead <= 2 * beat) {
      throw new OrchestratorError('invalid_input', `NODE_DEAD_SECONDS (${dead}) must be more than twice NODE_HEARTBEAT_SECONDS (${beat}): a live node would be declared dead between two heartbeats.`);
    }
    this.#k = k;
    this.#recover = recover;
  }

  /** Starts the heartbeat timer; it never keeps the process alive. */
  start(): void {
    this.#timer = setInterval(() => {
      this.#tick = this.sweep().catch((error: unknown) => this.#k.log.warn({ err: toOrchestratorError(error).message }, 'node heartbeat or sweep failed'));
    }, this.#k.config.nodeHeartbeatSeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep under way, so nothing touches the store after it closes. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#tick;
  }

  /** Says this node stopped cleanly: other nodes take back what it leaves at once, without waiting out NODE_DEAD_SECONDS. */
  async markStopped(): Promise<void> {
    await this.#k.store.transaction((tx) => tx.heartbeat(this.#k.owner.id, STOPPED_HEARTBEAT));
  }

  /** The node's record with its HTTP address, once it listens: registered again so other nodes see it. */
  async announce(address: string): Promise<void> {
    this.#address = address;
    const k = this.#k;
    await k.store.transaction((tx) => tx.registerOwner({ ...k.owner, address, heartbeatAt: isoNow(k) }));
  }

  get address(): string | null {
    return this.#address;
  }

  /** One heartbeat, then the nodes that stopped: their work taken back, a restarted node's instances too. */
  async sweep(): Promise<NodeSweep> {
    const k = this.#k;
    await k.store.transaction((tx) => tx.heartbeat(k.owner.id, isoNow(k)));
    const ctx = nodeContext(k);
    const nodes = await k.store.listOwners(DEFAULTS.maxNodesListed);
    const gone = nodes.filter((n) => n.id !== k.owner.id && nodeIsGone(n, ctx.self.host, ctx.nowMs, ctx.deadMs));
    const fresh = gone.filter((n) => !this.#handled.has(n.id));
    const takenBack: string[] = [];
    if (fresh.length > 0) {
      // Ids only (no addresses: a log reader looking for this node's URL must not find another's). A node that
      // stopped cleanly is news; one that fell silent is a warning.
      const crashed = fresh.filter((n) => n.heartbeatAt !== STOPPED_HEARTBEAT);
      if (crashed.length > 0) k.log.warn({ nodes: crashed.slice(0, 10).map((n) => n.id), count: crashed.length }, 'nodes stopped heartbeating: taking back their work');
      if (crashed.length < fresh.length) k.log.info({ count: fresh.length - crashed.length }, 'nodes that stopped cleanly: taking back what they left');
      await this.#recover();
      for (const node of fresh) takenBack.push(...(await this.#takeBack(node)));
    }
    // Only once their work is taken back: a sweep that failed half-way is done again by the next one.
    this.#handled = new Set(gone.map((n) => n.id));
    return { dead: fresh.map((n) => n.id), takenBack };
  }

  /**
   * A dead node's live instances whose workspaces are this node's become this node's (a restart): under this
   * WORKSPACE_DIR and on this machine, or found on this disk (a node restarted under another host name on the
   * same volume). On a shared volume every node sees them: there the next send takes one over instead.
   */
  async #takeBack(node: Owner): Promise<string[]> {
    const k = this.#k;
    const sameHost = node.host === k.owner.host;
    if (!sameHost && k.config.sharedWorkspaces) return [];
    const taken: string[] = [];
    for (;;) {
      const hosted = await k.store.instancesOnNode(node.id, BATCH);
      const ours = hosted.filter((r) => isWithin(r.workspace, k.config.workspaceDir) && (sameHost || existsSync(r.workspace))).map((r) => r.id);
      taken.push(...(await takeOver(k, ours, node)).map((r) => r.id));
      // Instances left behind (another WORKSPACE_DIR) stay on the dead node: a full batch of only those ends the loop.
      if (hosted.length < BATCH || ours.length === 0) return taken;
    }
  }
}
