import type { AskPermission, PermissionAnswer, PermissionRequest } from '../backends/backend.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { Logger } from '../observability/logger.js';
import type { EventBus } from '../orchestrator/events.js';
import { APPROVAL_DECISIONS, type AgentPathEntry, type ApprovalDecision, type StoredApproval } from '../store/approvals.js';
import type { Store } from '../store/store.js';
import { describePath } from './approval-text.js';
import { approvalView, type ApprovalView } from './approval-view.js';
import { InstanceAllowances } from './instance-allowances.js';
import { waitForSettlement } from './wait-for-settlement.js';

export interface ApprovalsDeps {
  readonly store: Store;
  readonly events: EventBus;
  readonly log: Logger;
  readonly now: () => number;
  readonly ids: IdGenerator;
  /** This node (owner id): the one running the agents whose asks it queues. */
  readonly owner: string;
  /** APPROVAL_TIMEOUT_SECONDS, in ms: how long an ask waits (the permission bridge denies at the same bound). */
  readonly timeoutMs: number;
}

/** Who may be asked directly for a turn: the client of the send, or of a running turn of an ancestor that delegated it. */
export interface ApprovalClients {
  readonly own: AskPermission | undefined;
  /** The client of an ancestor's latest send; asked only while that ancestor is in a turn (its delegation started this one). */
  readonly ofAncestor: (instanceId: string) => AskPermission | undefined;
}

/** Settled asks (and asks a dead node left pending) are kept this long past their bound, so a late answer hears "already settled". */
const KEEP_SETTLED_MS = 3_600_000;
const PURGE_BATCH = 100;

/**
 * Permission asks of claude-code agents at any depth. An ask names the whole agent path (root → … → asking
 * agent) and waits in the store's approvals queue, answerable from any node (answer_approval, REST, dashboard),
 * until APPROVAL_TIMEOUT_SECONDS; a client that can answer (MCP elicitation: the send's client, else the client
 * of the nearest ancestor whose turn delegated this one) is asked at the same moment, and the first answer wins.
 * "Allow for this instance" is remembered per tool for the instance's life, on the node running it.
 * Publishes `approval.waiting` / `approval.settled` (liveness shows waiting_for_approval meanwhile).
 */
export class Approvals {
  readonly #d: ApprovalsDeps;
  readonly #allowances = new InstanceAllowances();
  /** Wakes the local waiter of an ask answered on this node (other nodes' answers are found by polling). */
  readonly #wake = new Map<string, () => void>();

  constructor(deps: ApprovalsDeps) {
    this.#d = deps;
  }

  /** Follows the bus (forgets an ended instance's allowances); returns the function that stops it. */
  start(): () => void {
    return this.#d.events.subscribe((event) => {
      if (event.type === 'instance.state_changed' && (event.to === 'terminated' || event.to === 'failed')) this.#allowances.forget(event.instanceId);
    });
  }

  /** The permission callback of one turn of `record`; `turnSignal` aborting means the turn ended (cancelled, timed out). */
  gate(record: InstanceRecord, clients: ApprovalClients, turnSignal: AbortSignal): AskPermission {
    return async (request, signal) => {
      if (this.#allowances.allows(record.id, request.tool)) return { allow: true };
      const chain = await this.#d.store.chainOf(record.id);
      const path: AgentPathEntry[] = (chain.length > 0 ? chain : [record]).map((r) => ({ id: r.id, name: r.name })).reverse();
      // An ancestor in a turn now (busy) is the one whose delegation started this turn: its client is the person behind the work.
      const client = clients.own ?? chain.slice(1).filter((r) => r.state === 'busy').map((r) => clients.ofAncestor(r.id)).find((ask) => ask !== undefined);
      const asked: PermissionRequest = { ...request, agentPath: describePath(path) };
      const approvalId = this.#d.ids('appr');
      this.#publish({ type: 'approval.waiting', instanceId: record.id, tool: request.tool, approvalId });
      let answer: PermissionAnswer = { allow: false };
      try {
        answer = await this.#ask(client, record, path, asked, approvalId, signal, turnSignal);
        if (answer.allow && answer.forInstance) this.#allowances.allow(record.id, request.tool);
        return answer;
      } finally {
        this.#publish({ type: 'approval.settled', instanceId: record.id, allowed: answer.allow, approvalId });
      }
    };
  }

  /**
   * The ask always waits in the queue (so status, the dashboard and any node see it and can answer); a client
   * that can answer is asked at the same moment. The first answer wins: the client's settles the queued ask, the
   * queue's withdraws the client's question. A client that fails, or never answers, leaves the queue and the bound.
   */
  async #ask(client: AskPermission | undefined, record: InstanceRecord, path: AgentPathEntry[], request: PermissionRequest, id: string, signal: AbortSignal, turnSignal: AbortSignal): Promise<PermissionAnswer> {
    await this.#enqueue(record, path, request, id);
    const queued = this.#settled(id, signal, turnSignal);
    if (!client) return queued;
    const withdraw = new AbortController();
    const asked = client(request, AbortSignal.any([signal, withdraw.signal])).then(
      async (answer) => {
        // Settle the queued ask with the client's answer; if the queue was answered first, that answer stands.
        const decision = answer.allow ? (answer.forInstance ? 'allow_instance' : 'allow_once') : 'deny';
        const won = await this.#settle(id, decision, answer.allow ? 'answered through the client' : (answer.message ?? 'denied through the client')).then(
          () => true,
          () => false,
        );
        if (!won) return queued;
        this.#wake.get(id)?.();
        return answer;
      },
      (error: unknown) => {
        if (!signal.aborted && !withdraw.signal.aborted) {
          this.#d.log.warn({ instanceId: record.id, approvalId: id, err: toOrchestratorError(error).message }, 'asking the client failed; the permission ask waits in the approvals queue');
        }
        return queued;
      },
    );
    try {
      return await Promise.race([queued, asked]);
    } finally {
      withdraw.abort(new Error('answered elsewhere'));
    }
  }

  /** Stores the ask in the queue, where every node sees it and can answer it until its bound. */
  async #enqueue(record: InstanceRecord, path: AgentPathEntry[], request: PermissionRequest, id: string): Promise<void> {
    const now = this.#d.now();
    const approval: StoredApproval = {
      id,
      instanceId: record.id,
      owner: this.#d.owner,
      path,
      tool: request.tool,
      input: request.input,
      reason: request.reason,
      state: 'pending',
      decision: null,
      settledReason: null,
      createdAt: iso(now),
      expiresAt: iso(now + this.#d.timeoutMs),
      settledAt: null,
    };
    await this.#d.store.transaction(async (tx) => {
      await tx.deleteApprovalsBefore(iso(now - this.#d.timeoutMs - KEEP_SETTLED_MS), PURGE_BATCH);
      await tx.addApproval(approval);
    });
    this.#d.log.info({ instanceId: record.id, approvalId: id, tool: request.tool }, 'permission ask waits for an answer (answer_approval, dashboard, REST)');
  }

  /** Waits for the stored ask's answer from any node, and settles it as denied when the wait ends first. */
  async #settled(id: string, signal: AbortSignal, turnSignal: AbortSignal): Promise<PermissionAnswer> {
    try {
      const settled = await waitForSettlement(this.#d.store, id, signal, (wake) => this.#wake.set(id, wake));
      return settled.decision === 'allow_once' || settled.decision === 'allow_instance'
        ? { allow: true, forInstance: settled.decision === 'allow_instance' }
        : { allow: false, message: settled.settledReason ?? 'denied' };
    } catch (error) {
      const reason = turnSignal.aborted ? 'the turn ended (cancelled or timed out) before an answer' : `no answer within ${Math.round(this.#d.timeoutMs / 1000)} s`;
      await this.#settle(id, 'deny', reason).catch((failure: unknown) => this.#d.log.warn({ approvalId: id, err: toOrchestratorError(failure).message }, 'an unanswered ask could not be closed; it expires by itself'));
      throw error;
    } finally {
      this.#wake.delete(id);
    }
  }

  /** Answers a pending ask (from any node). Unknown, expired or already settled asks are refused with the reason. */
  async answer(id: string, decision: ApprovalDecision): Promise<ApprovalView> {
    if (!(APPROVAL_DECISIONS as readonly string[]).includes(decision)) throw new OrchestratorError('invalid_input', `Invalid input: decision must be one of ${APPROVAL_DECISIONS.join(', ')}.`);
    const settled = await this.#settle(id, decision, decision === 'deny' ? 'denied by the user' : 'answered');
    this.#wake.get(id)?.();
    this.#d.log.info({ instanceId: settled.instanceId, approvalId: id, decision }, 'permission ask answered');
    return approvalView(settled);
  }

  async #settle(id: string, decision: ApprovalDecision, reason: string): Promise<StoredApproval> {
    const now = this.#d.now();
    return this.#d.store.transaction(async (tx) => {
      const current = await tx.getApproval(id);
      if (!current) throw new OrchestratorError('not_found', `No approval ${id}: the id is unknown, or it was settled long ago. List pending ones with answer_approval (no arguments), GET /approvals or get_instance_status.`);
      if (current.state === 'settled') {
        throw new OrchestratorError('invalid_state', `Approval ${id} was already settled at ${current.settledAt ?? '?'}: ${current.decision ?? 'deny'} (${current.settledReason ?? ''}). Nothing changed.`);
      }
      if (decision !== 'deny' && Date.parse(current.expiresAt) <= now) {
        throw new OrchestratorError('invalid_state', `Approval ${id} expired at ${current.expiresAt} (APPROVAL_TIMEOUT_SECONDS) and was denied; the agent has moved on.`);
      }
      const settled = await tx.settleApproval(id, { decision, reason, atIso: iso(now) });
      if (!settled) throw new OrchestratorError('invalid_state', `Approval ${id} was settled meanwhile. Nothing changed.`);
      return settled;
    });
  }

  /** Pending asks, oldest first: of one instance, or of all (a bounded index range; expired ones left by a dead node are skipped). */
  async pending(instanceId?: string, limit = 50): Promise<ApprovalView[]> {
    const now = this.#d.now();
    const rows = await this.#d.store.pendingApprovals({ ...(instanceId !== undefined ? { instanceId } : {}), limit });
    return rows.filter((a) => Date.parse(a.expiresAt) > now).map(approvalView);
  }

  #publish(event: { type: 'approval.waiting'; instanceId: string; tool: string; approvalId: string } | { type: 'approval.settled'; instanceId: string; allowed: boolean; approvalId: string }): void {
    this.#d.events.publish({ ...event, at: iso(this.#d.now()) });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
