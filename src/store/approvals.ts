/** The three answers to an agent's permission ask. */
export const APPROVAL_DECISIONS = ['allow_once', 'allow_instance', 'deny'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** One instance of the chain that asks, root first: what the user is shown to say who is asking. */
export interface AgentPathEntry {
  readonly id: string;
  readonly name: string;
}

/**
 * A permission ask waiting in the queue (no client could be asked directly), or settled. Stored so that any
 * node sharing the store can list and answer it; the node running the agent waits for the answer.
 */
export interface StoredApproval {
  readonly id: string;
  readonly instanceId: string;
  /** The node (owner id) running the agent that asks. */
  readonly owner: string;
  /** Root first, the asking instance last. */
  readonly path: readonly AgentPathEntry[];
  readonly tool: string;
  readonly input: unknown;
  /** Why the agent's policy asks, e.g. "Bash would reach /etc/hosts, outside the instance's workspace". */
  readonly reason: string;
  readonly state: 'pending' | 'settled';
  readonly decision: ApprovalDecision | null;
  /** How it was settled: "answered", "no answer within 300 s", "the turn was cancelled". */
  readonly settledReason: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly settledAt: string | null;
}

export interface ApprovalSettlement {
  readonly decision: ApprovalDecision;
  readonly reason: string;
  readonly atIso: string;
}

/** Approvals as read: a key lookup, or an index range of pending ones bounded by `limit`. */
export interface ApprovalReads {
  getApproval(id: string): Promise<StoredApproval | undefined>;
  /** Pending asks, oldest first: of one instance, or of every instance. */
  pendingApprovals(options: { readonly instanceId?: string; readonly limit: number }): Promise<readonly StoredApproval[]>;
}

export interface ApprovalWrites {
  addApproval(approval: StoredApproval): Promise<void>;
  /** Settles a pending ask; returns the settled row, or undefined when the id is unknown or already settled. */
  settleApproval(id: string, settlement: ApprovalSettlement): Promise<StoredApproval | undefined>;
  /** Deletes up to `limit` asks (settled or left pending by a node that died) created before `beforeIso`. */
  deleteApprovalsBefore(beforeIso: string, limit: number): Promise<number>;
}

/** The row as both stores keep it (JSON text for the path and input). */
export interface ApprovalRow {
  id: string;
  instance_id: string;
  owner: string;
  path: string;
  tool: string;
  input: string;
  reason: string;
  state: string;
  decision: string | null;
  settled_reason: string | null;
  created_at: string;
  expires_at: string;
  settled_at: string | null;
}

export const APPROVAL_COLUMNS = ['id', 'instance_id', 'owner', 'path', 'tool', 'input', 'reason', 'state', 'decision', 'settled_reason', 'created_at', 'expires_at', 'settled_at'] as const;

export function approvalRow(a: StoredApproval): ApprovalRow {
  return {
    id: a.id,
    instance_id: a.instanceId,
    owner: a.owner,
    path: JSON.stringify(a.path),
    tool: a.tool,
    input: JSON.stringify(a.input ?? null),
    reason: a.reason,
    state: a.state,
    decision: a.decision,
    settled_reason: a.settledReason,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    settled_at: a.settledAt,
  };
}

export function toApproval(r: ApprovalRow): StoredApproval {
  return {
    id: r.id,
    instanceId: r.instance_id,
    owner: r.owner,
    path: JSON.parse(r.path) as AgentPathEntry[],
    tool: r.tool,
    input: JSON.parse(r.input) as unknown,
    reason: r.reason,
    state: r.state === 'settled' ? 'settled' : 'pending',
    decision: (APPROVAL_DECISIONS as readonly string[]).includes(r.decision ?? '') ? (r.decision as ApprovalDecision) : null,
    settledReason: r.settled_reason,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    settledAt: r.settled_at,
  };
}
