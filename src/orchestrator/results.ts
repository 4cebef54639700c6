import type { UsageView } from '../domain/usage.js';
import type { Evidence, Verification } from '../evidence/types.js';
import type { InstanceView, MessageView } from './views.js';

/** The JSON every orchestrator operation returns: the tools' results, the REST bodies, the library's values. */

export interface SpawnResult {
  instance_id: string;
  name: string;
  role: string;
  model: string;
  backend: string;
  state: string;
  workspace: string;
  parent_id: string | null;
  limits: InstanceView['limits'];
  warnings: string[];
}

export interface SendResult {
  instance_id: string;
  reply: string;
  usage: UsageView;
  cost_usd: number | null;
  /** What prompt caching saved on this turn (negative on a turn that mostly writes the cache). */
  cache_savings_usd: number | null;
  duration_ms: number;
  stop_reason: string | null;
  model: string;
  /** Model calls the turn made (each held against the budgets before it was made). */
  model_calls: number;
  state: string;
  state_reason: string;
  instance_usage: UsageView;
  instance_cost_usd: number | null;
  /** Times the backend retried this turn's model calls (rate limits, overload, resets). */
  retries?: number;
  /** claude-code: files the agent changed during the turn. */
  changed_files?: string[];
  /** claude-code: tool calls refused during the turn (policy, the user, or no one to ask), with why. */
  permission_denials?: Array<{ tool: string; input: unknown; reason: string }>;
  /** claude-code: the agent's own cost figure for the turn, to compare with cost_usd. */
  agent_cost_usd?: number;
  /** Delegation tool calls the instance made during the turn. */
  tool_calls?: Array<{ name: string; input: unknown; is_error: boolean; result: string }>;
  /** What the agent did in this turn: tool calls by name, files, commands with exit codes, model calls, tokens. */
  evidence: Evidence;
  /** Agents that work through tools (claude-code, delegation): whether what they did backs the reply. Absent for a plain conversation. */
  verification?: Verification;
  warnings: string[];
}

export interface OutputResult {
  instance_id: string;
  state: string;
  total: number;
  offset: number;
  limit: number;
  messages: MessageView[];
}

export interface ListResult {
  total: number;
  offset: number;
  limit: number;
  instances: InstanceView[];
  totals: GlobalTotals;
}

export interface TerminateResult {
  instance_id: string;
  state: string;
  reason: string;
  usage: UsageView;
  cost_usd: number | null;
  turns: number;
  workspace_removed: boolean;
  terminated_children: string[];
}

export interface GlobalTotals {
  instances_live: number;
  instances_total: number;
  usage: UsageView;
  /** Spend on models with a known price. */
  cost_usd: number;
  /** Instances whose spend can't be priced (their model is not in the price table). */
  unpriced_instances: number;
  /** What prompt caching saved across priced instances. */
  cache_savings_usd: number;
  /** What model calls in flight hold of the global budget right now (settled to their exact cost when they end). */
  in_flight_cost_usd: number;
  max_total_cost_usd: number;
}

/** The server-wide limits (MAX_INSTANCES, MAX_TOTAL_COST, …). */
export interface GlobalLimits {
  max_instances: number;
  max_total_cost_usd: number;
  /** The default token budget of a new instance (a spawn may set its own). */
  max_tokens_per_instance: number;
  max_delegation_depth: number;
  max_children_per_parent: number;
}
