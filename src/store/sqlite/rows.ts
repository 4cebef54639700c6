import { z } from 'zod';
import { ROLE_IDS } from '../../domain/roles.js';
import { isLive, type ConversationMessage, type InstanceRecord } from '../../domain/instance.js';
import { expiresAtMs } from '../../domain/lifetime.js';
import { proofColumn, proofOfColumn } from '../../evidence/stored-proof.js';

/** Rows as SQLite returns them, validated on the way in: a corrupt or foreign row fails loudly, naming the column. */
const int = z.number().int();
const nullableInt = int.nullable();

export const instanceRow = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLE_IDS),
  model: z.string(),
  backend: z.string(),
  custom_system_prompt: z.string().nullable(),
  system_prompt: z.string(),
  parent_id: z.string().nullable(),
  depth: int,
  allow_delegation: int,
  workspace: z.string(),
  keep_workspace: int,
  max_total_tokens: int,
  max_cost_nanos: nullableInt,
  timeout_minutes: z.number(),
  created_at: z.string(),
  state: z.enum(['spawning', 'idle', 'busy', 'terminating', 'terminated', 'failed']),
  state_reason: z.string(),
  state_changed_at: z.string(),
  input_tokens: int,
  output_tokens: int,
  cache_creation_input_tokens: int,
  cache_creation_1h_input_tokens: int,
  cache_read_input_tokens: int,
  cost_nanos: nullableInt,
  cache_savings_nanos: nullableInt,
  turns: int,
  total_response_ms: int,
  last_response_ms: nullableInt,
  error_count: int,
  last_error: z.string().nullable(),
  consecutive_failures: int,
  backend_state: z.string().nullable(),
  backend_options: z.string().nullable(),
  live: int,
  expires_at: int,
  subtree_tokens: int,
  subtree_cost_nanos: int,
  held_tokens: int,
  held_nanos: int,
  node: z.string().nullable(),
});

export type InstanceRow = z.infer<typeof instanceRow>;

export function toRecord(raw: unknown): InstanceRecord {
  const r = instanceRow.parse(raw);
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    model: r.model,
    backend: r.backend,
    customSystemPrompt: r.custom_system_prompt,
    systemPrompt: r.system_prompt,
    parentId: r.parent_id,
    depth: r.depth,
    allowDelegation: r.allow_delegation === 1,
    workspace: r.workspace,
    keepWorkspace: r.keep_workspace === 1,
    limits: { maxTotalTokens: r.max_total_tokens, maxCostNanos: r.max_cost_nanos, timeoutMinutes: r.timeout_minutes },
    createdAt: r.created_at,
    state: r.state,
    stateReason: r.state_reason as InstanceRecord['stateReason'],
    stateChangedAt: r.state_changed_at,
    usage: {
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheCreationInputTokens: r.cache_creation_input_tokens,
      cacheCreation1hInputTokens: r.cache_creation_1h_input_tokens,
      cacheReadInputTokens: r.cache_read_input_tokens,
    },
    costNanos: r.cost_nanos,
    cacheSavingsNanos: r.cache_savings_nanos,
    turns: r.turns,
    totalResponseMs: r.total_response_ms,
    lastResponseMs: r.last_response_ms,
    errorCount: r.error_count,
    lastError: r.last_error,
    consecutiveFailures: r.consecutive_failures,
    backendState: r.backend_state,
    backendOptions: r.backend_options,
    subtree: { tokens: r.subtree_tokens, costNanos: r.subtree_cost_nanos },
    held: { tokens: r.held_tokens, nanos: r.held_nanos },
    node: r.node,
  };
}

export function toRow(r: InstanceRecord): InstanceRow {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    model: r.model,
    backend: r.backend,
    custom_system_prompt: r.customSystemPrompt,
    system_prompt: r.systemPrompt,
    parent_id: r.parentId,
    depth: r.depth,
    allow_delegation: r.allowDelegation ? 1 : 0,
    workspace: r.workspace,
    keep_workspace: r.keepWorkspace ? 1 : 0,
    max_total_tokens: r.limits.maxTotalTokens,
    max_cost_nanos: r.limits.maxCostNanos,
    timeout_minutes: r.limits.timeoutMinutes,
    created_at: r.createdAt,
    state: r.state,
    state_reason: r.stateReason,
    state_changed_at: r.stateChangedAt,
    input_tokens: r.usage.inputTokens,
    output_tokens: r.usage.outputTokens,
    cache_creation_input_tokens: r.usage.cacheCreationInputTokens,
    cache_creation_1h_input_tokens: r.usage.cacheCreation1hInputTokens,
    cache_read_input_tokens: r.usage.cacheReadInputTokens,
    cost_nanos: r.costNanos,
    cache_savings_nanos: r.cacheSavingsNanos,
    turns: r.turns,
    total_response_ms: r.totalResponseMs,
    last_response_ms: r.lastResponseMs,
    error_count: r.errorCount,
    last_error: r.lastError,
    consecutive_failures: r.consecutiveFailures,
    backend_state: r.backendState,
    backend_options: r.backendOptions,
    // Derived, stored so the store can index them: live instances, and when each one's lifetime ends.
    live: isLive(r.state) ? 1 : 0,
    expires_at: expiresAtMs(r),
    subtree_tokens: r.subtree.tokens,
    subtree_cost_nanos: r.subtree.costNanos,
    held_tokens: r.held.tokens,
    held_nanos: r.held.nanos,
    node: r.node,
  };
}

export const INSTANCE_COLUMNS = Object.keys(instanceRow.shape) as ReadonlyArray<keyof InstanceRow>;

/**
 * Columns a plain update writes. Spend, subtree spend and holds are changed only by their own increments
 * (charge, addHold, removeHold), so an update never writes back a stale copy of them.
 */
export const UPDATABLE_COLUMNS = INSTANCE_COLUMNS.filter(
  (c) =>
    c !== 'id' &&
    !c.startsWith('subtree_') &&
    !c.startsWith('held_') &&
    !['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_creation_1h_input_tokens', 'cache_read_input_tokens', 'cost_nanos', 'cache_savings_nanos'].includes(c),
);

const messageRow = z.object({
  seq: int,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  at: z.string(),
  input_tokens: nullableInt,
  output_tokens: nullableInt,
  cache_creation_input_tokens: nullableInt,
  cache_creation_1h_input_tokens: nullableInt,
  cache_read_input_tokens: nullableInt,
  cost_nanos: nullableInt,
  duration_ms: nullableInt,
  stop_reason: z.string().nullable(),
  model: z.string().nullable(),
  failed: int,
  error: z.string().nullable(),
  tool_calls: z.string().nullable(),
  retries: nullableInt,
  evidence: z.string().nullable(),
});

/** `shell` (claude-code's Bash: how the command ended) is kept as written. */
const shellOutcome = z.object({ exitCode: z.number().nullable(), background: z.boolean(), note: z.string().exactOptional() });
const toolCalls = z.array(z.object({ name: z.string(), input: z.unknown(), isError: z.boolean(), result: z.string(), shell: shellOutcome.exactOptional() }));

export function toMessage(raw: unknown): ConversationMessage {
  const m = messageRow.parse(raw);
  const hasUsage = m.input_tokens !== null;
  return {
    seq: m.seq,
    role: m.role,
    content: m.content,
    at: m.at,
    ...(hasUsage
      ? {
          usage: {
            inputTokens: m.input_tokens ?? 0,
            outputTokens: m.output_tokens ?? 0,
            cacheCreationInputTokens: m.cache_creation_input_tokens ?? 0,
            cacheCreation1hInputTokens: m.cache_creation_1h_input_tokens ?? 0,
            cacheReadInputTokens: m.cache_read_input_tokens ?? 0,
          },
          costNanos: m.cost_nanos,
        }
      : {}),
    ...(m.duration_ms !== null ? { durationMs: m.duration_ms } : {}),
    ...(m.stop_reason !== null || hasUsage ? { stopReason: m.stop_reason } : {}),
    ...(m.model !== null ? { model: m.model } : {}),
    ...(m.failed === 1 ? { failed: true } : {}),
    ...(m.error !== null ? { error: m.error } : {}),
    ...(m.tool_calls !== null ? { toolCalls: toolCalls.parse(JSON.parse(m.tool_calls)) } : {}),
    ...(m.retries !== null ? { retries: m.retries } : {}),
    ...proofOfColumn(m.evidence),
  };
}

export function messageParams(instanceId: string, m: ConversationMessage): Record<string, unknown> {
  return {
    instance_id: instanceId,
    seq: m.seq,
    role: m.role,
    content: m.content,
    at: m.at,
    input_tokens: m.usage?.inputTokens ?? null,
    output_tokens: m.usage?.outputTokens ?? null,
    cache_creation_input_tokens: m.usage?.cacheCreationInputTokens ?? null,
    cache_creation_1h_input_tokens: m.usage?.cacheCreation1hInputTokens ?? null,
    cache_read_input_tokens: m.usage?.cacheReadInputTokens ?? null,
    cost_nanos: m.costNanos ?? null,
    duration_ms: m.durationMs ?? null,
    stop_reason: m.stopReason ?? null,
    model: m.model ?? null,
    failed: m.failed ? 1 : 0,
    error: m.error ?? null,
    tool_calls: m.toolCalls ? JSON.stringify(m.toolCalls) : null,
    retries: m.retries ?? null,
    evidence: proofColumn(m),
  };
}

/** A message as a model sees it, from its two columns: checked by hand, since every turn reads the whole conversation. */
export function toTurnMessage(row: { role: unknown; content: unknown }): Pick<ConversationMessage, 'role' | 'content'> {
  if ((row.role !== 'user' && row.role !== 'assistant') || typeof row.content !== 'string') throw new Error(`A stored message is corrupt: role ${String(row.role)}, content of type ${typeof row.content}.`);
  return { role: row.role, content: row.content };
}
