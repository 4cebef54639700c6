import type { StoredApproval } from '../store/approvals.js';
import { describePath } from './approval-text.js';

/** An approval as tools, REST and the dashboard show it (snake_case, like every tool output). */
export interface ApprovalView {
  readonly approval_id: string;
  readonly instance_id: string;
  /** Who asks, root first: "Lead (inst_…) → Coder (inst_…)". */
  readonly agent_path: string;
  readonly tool: string;
  readonly input: unknown;
  readonly reason: string;
  readonly state: 'pending' | 'settled';
  readonly decision?: string;
  readonly settled_reason?: string;
  readonly created_at: string;
  readonly expires_at: string;
  /** The node running the agent that asks. */
  readonly node: string;
}

export function approvalView(a: StoredApproval): ApprovalView {
  return {
    approval_id: a.id,
    instance_id: a.instanceId,
    agent_path: describePath(a.path),
    tool: a.tool,
    input: a.input,
    reason: a.reason,
    state: a.state,
    ...(a.decision !== null ? { decision: a.decision } : {}),
    ...(a.settledReason !== null ? { settled_reason: a.settledReason } : {}),
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    node: a.owner,
  };
}
