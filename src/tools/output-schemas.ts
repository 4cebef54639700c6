import { z } from 'zod';

/**
 * The pieces tools' output schemas are made of. Compact on purpose: `tools/list` is read into a model's
 * context, so top-level fields are typed (briefly described where the name is not enough) and large nested
 * objects are loose (a few key fields typed, the rest allowed). Top-level objects are strict: their JSON
 * Schema says `additionalProperties: false`, so zod must refuse unknown keys too, or a result could pass
 * here and fail in the client's validator.
 */

const usd = z.number().nullable();

/** Token usage (input, output, cache write, cache read, total). */
export const usageOutput = z.looseObject({ total_tokens: z.number() });

export const costOutput = usd.describe('null: model has no known price');

/** A task's progress, as handles and get_task show it. */
const progressOutput = z.looseObject({ message: z.string(), completed_turns: z.number() });

/** What send_to_instance and coordinate_instances return when the work outlives wait_seconds. */
export const taskHandleOutput = z
  .strictObject({
    task_id: z.string(),
    state: z.literal('working'),
    progress: progressOutput,
    next: z.string().describe('what to call next'),
  })
  .describe('still working: follow with get_task');

/** get_task and cancel_task. */
export const taskSnapshotOutput = z.strictObject({
  task_id: z.string(),
  kind: z.enum(['send', 'coordinate']),
  state: z.enum(['working', 'completed', 'failed', 'cancelled', 'interrupted']),
  label: z.string(),
  progress: progressOutput,
  created_at: z.string(),
  finished_at: z.string().nullable(),
  result: z.looseObject({}).optional().describe("once completed: the tool's own result"),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
});

/** What an instance does now (liveness); `tool` and `seconds` say which tool runs and for how long. */
const activityOutput = z.looseObject({
  state: z.enum(['thinking', 'running_tool', 'waiting_for_approval', 'waiting_for_rate_limit', 'idle', 'stalled', 'dead']),
  last_activity_at: z.string(),
});

/** What an agent did in a turn (src/evidence): tool calls by name, files (path, bytes, sha256), commands (exit_code), model calls, tokens. */
export const evidenceOutput = z.looseObject({ files: z.array(z.looseObject({})) }).describe('tool_calls, files, commands (exit_code), model_calls, tokens');

/** claude-code and delegating instances only: `status` and the `reason`. */
export const verificationOutput = z.looseObject({ status: z.enum(['verified', 'unverified']) });

/** A claude-code agent's permission ask (pending, or as answered). */
const approvalOutput = z.looseObject({ approval_id: z.string(), agent_path: z.string(), tool: z.string() });

/** answer_approval: the pending asks (no arguments), or the one answered. */
export const approvalsOutput = z.strictObject({ approvals: z.array(approvalOutput).optional(), approval: approvalOutput.optional() });

/** Limits as spawn and status show them. */
export const limitsOutput = z.looseObject({ max_total_tokens: z.number(), max_cost_usd: usd, timeout_minutes: z.number() });

/** get_instance_status, in full. */
export const instanceOutput = z.strictObject({
  instance_id: z.string(),
  name: z.string(),
  role: z.string(),
  model: z.string(),
  backend: z.string(),
  state: z.string(),
  state_reason: z.string(),
  state_changed_at: z.string(),
  parent_id: z.string().nullable(),
  children: z.array(z.string()),
  depth: z.number(),
  allow_delegation: z.boolean(),
  workspace: z.string(),
  node: z.string().nullable().describe('node hosting a claude-code agent'),
  node_available: z.boolean().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  usage: usageOutput,
  cost_usd: costOutput,
  cache_savings_usd: usd,
  subtree: z.looseObject({}).describe('total_tokens and cost_usd of it and its descendants'),
  in_flight: z.looseObject({}).describe('tokens and cost_usd held by model calls in flight'),
  turns: z.number(),
  mean_response_ms: z.number().nullable(),
  last_response_ms: z.number().nullable(),
  error_count: z.number(),
  last_error: z.string().nullable(),
  health_score: z.number().describe('0-100'),
  consecutive_failures: z.number(),
  limits: limitsOutput,
  activity: activityOutput.optional(),
  pending_approvals: z.array(approvalOutput).optional().describe('answer with answer_approval'),
});
