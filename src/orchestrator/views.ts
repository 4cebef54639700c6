import type { ApprovalView } from '../approvals/approval-view.js';
import type { ConversationMessage, InstanceRecord } from '../domain/instance.js';
import { isLive } from '../domain/instance.js';
import { totalTokens, usageView, type UsageView } from '../domain/usage.js';
import type { Evidence, Verification } from '../evidence/types.js';
import { nanosToUsd } from '../pricing/cost.js';
import { expiresAtMs } from '../domain/lifetime.js';
import type { ActivityView } from '../liveness/activity.js';

/** What status tools and REST show of an instance (snake_case, as MCP tool results conventionally are). */
export interface InstanceView {
  instance_id: string;
  name: string;
  role: string;
  model: string;
  backend: string;
  state: string;
  state_reason: string;
  state_changed_at: string;
  parent_id: string | null;
  children: string[];
  depth: number;
  allow_delegation: boolean;
  workspace: string;
  /** The node hosting its agent and workspace (a claude-code instance); null: any node runs its turns. */
  node: string | null;
  /** Whether a send can reach it now: false while its node is gone and its workspace out of reach; null without a node. */
  node_available: boolean | null;
  created_at: string;
  expires_at: string;
  usage: UsageView;
  /** null when the model has no known price: unknown, not free. */
  cost_usd: number | null;
  /** What prompt caching saved this instance (cache read/write tokens are in `usage`). */
  cache_savings_usd: number | null;
  /** What this instance and its descendants spent together: what its limits count. */
  subtree: { total_tokens: number; cost_usd: number | null };
  /** Held by its subtree's model calls in flight (settled to their exact usage when they end). */
  in_flight: { tokens: number; cost_usd: number | null };
  turns: number;
  mean_response_ms: number | null;
  last_response_ms: number | null;
  error_count: number;
  last_error: string | null;
  /** 0–100: 100 is healthy; each failed turn in a row costs 25, a budget over 90 % used costs 10; 0 once ended. */
  health_score: number;
  consecutive_failures: number;
  limits: { max_total_tokens: number; max_cost_usd: number | null; timeout_minutes: number };
  /** What it does now (liveness): set by the queries, which know this server's live turns. */
  activity?: ActivityView;
  /** Its agent's permission asks waiting for an answer (status only; answer them with answer_approval). */
  pending_approvals?: readonly ApprovalView[];
}

export function instanceView(record: InstanceRecord, childIds: readonly string[], nodeAvailable: boolean | null = record.node === null ? null : true): InstanceView {
  return {
    instance_id: record.id,
    name: record.name,
    role: record.role,
    model: record.model,
    backend: record.backend,
    state: record.state,
    state_reason: record.stateReason,
    state_changed_at: record.stateChangedAt,
    parent_id: record.parentId,
    children: [...childIds],
    depth: record.depth,
    allow_delegation: record.allowDelegation,
    workspace: record.workspace,
    node: record.node,
    node_available: record.node === null ? null : nodeAvailable,
    created_at: record.createdAt,
    expires_at: new Date(expiresAtMs(record)).toISOString(),
    usage: usageView(record.usage),
    cost_usd: nanosToUsd(record.costNanos),
    cache_savings_usd: nanosToUsd(record.cacheSavingsNanos),
    subtree: { total_tokens: record.subtree.tokens, cost_usd: nanosToUsd(record.subtree.costNanos) },
    in_flight: { tokens: record.held.tokens, cost_usd: nanosToUsd(record.held.nanos) },
    turns: record.turns,
    mean_response_ms: record.turns > 0 ? Math.round(record.totalResponseMs / record.turns) : null,
    last_response_ms: record.lastResponseMs,
    error_count: record.errorCount,
    last_error: record.lastError,
    health_score: healthScore(record),
    consecutive_failures: record.consecutiveFailures,
    limits: {
      max_total_tokens: record.limits.maxTotalTokens,
      max_cost_usd: nanosToUsd(record.limits.maxCostNanos),
      timeout_minutes: record.limits.timeoutMinutes,
    },
  };
}

export interface MessageView {
  seq: number;
  role: string;
  content: string;
  at: string;
  usage?: UsageView;
  cost_usd?: number | null;
  duration_ms?: number;
  stop_reason?: string | null;
  model?: string;
  failed?: boolean;
  error?: string;
  tool_calls?: Array<{ name: string; input: unknown; is_error: boolean; result: string }>;
  /** A completed turn: what the agent did (src/evidence). */
  evidence?: Evidence;
  /** Agents that work through tools: whether what the turn did backs its reply. */
  verification?: Verification;
}

export function messageView(m: ConversationMessage): MessageView {
  const view: MessageView = { seq: m.seq, role: m.role, content: m.content, at: m.at };
  if (m.usage) view.usage = usageView(m.usage);
  if (m.costNanos !== undefined) view.cost_usd = nanosToUsd(m.costNanos);
  if (m.durationMs !== undefined) view.duration_ms = m.durationMs;
  if (m.stopReason !== undefined) view.stop_reason = m.stopReason;
  if (m.model !== undefined) view.model = m.model;
  if (m.failed) view.failed = true;
  if (m.toolCalls) view.tool_calls = m.toolCalls.map((c) => ({ name: c.name, input: c.input, is_error: c.isError, result: c.result }));
  if (m.error !== undefined) view.error = m.error;
  if (m.evidence) view.evidence = m.evidence;
  if (m.verification) view.verification = m.verification;
  return view;
}

/** A simple, documented health score: recent failures and budgets close to their end lower it. */
export function healthScore(record: InstanceRecord): number {
  if (!isLive(record.state)) return 0;
  let score = 100 - 25 * Math.min(4, record.consecutiveFailures);
  if (totalTokens(record.usage) >= 0.9 * record.limits.maxTotalTokens) score -= 10;
  if (record.limits.maxCostNanos !== null && (record.costNanos ?? 0) >= 0.9 * record.limits.maxCostNanos) score -= 10;
  return Math.max(0, score);
}
