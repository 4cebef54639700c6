import { z } from 'zod';

/**
 * The Claude Code CLI's stream-json protocol (`-p --input-format stream-json --output-format stream-json`):
 * one JSON object per line each way. Objects are loose: the CLI adds fields often, and we read only these.
 */

const count = z.number().nullish();

const apiUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: z.looseObject({ ephemeral_1h_input_tokens: count, ephemeral_5m_input_tokens: count }).nullish(),
});

/** Per-model usage as the CLI totals it (camelCase), with its own cost figure. */
const modelUsageSchema = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
  cacheCreationEphemeral1hInputTokens: z.number().optional(),
  costUSD: z.number(),
});

const blockSchema = z.looseObject({ type: z.string() });
const parent = z.string().nullish();

const systemSchema = z.looseObject({ type: z.literal('system'), subtype: z.string(), session_id: z.string().optional(), model: z.string().optional() });
const assistantSchema = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({ model: z.string(), content: z.array(blockSchema) }),
  parent_tool_use_id: parent,
});
const userSchema = z.looseObject({
  type: z.literal('user'),
  message: z.looseObject({ content: z.union([z.string(), z.array(blockSchema)]) }),
  parent_tool_use_id: parent,
});
const streamEventSchema = z.looseObject({ type: z.literal('stream_event'), event: z.looseObject({ type: z.string() }), parent_tool_use_id: parent });
const resultSchema = z.looseObject({
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean(),
  result: z.string().optional(),
  session_id: z.string(),
  usage: apiUsageSchema,
  /** Cumulative over the whole session (it survives --resume); per-turn figures are in model_usage_since_last_result. */
  total_cost_usd: z.number(),
  num_turns: z.number(),
  stop_reason: z.string().nullish(),
  terminal_reason: z.string().optional(),
  api_error_status: z.number().nullish(),
  errors: z.array(z.string()).optional(),
  permission_denials: z.array(z.looseObject({ tool_name: z.string(), tool_use_id: z.string(), tool_input: z.unknown() })).optional(),
  model_usage_since_last_result: z.record(z.string(), modelUsageSchema).optional(),
});
const controlRequestSchema = z.looseObject({ type: z.literal('control_request'), request_id: z.string(), request: z.looseObject({ subtype: z.string() }) });
/** Where one of our user messages (by the `uuid` we gave it) is in the CLI's queue: queued, started, completed. */
const commandLifecycleSchema = z.looseObject({ type: z.literal('command_lifecycle'), command_uuid: z.string(), state: z.string() });
const controlResponseSchema = z.looseObject({ type: z.literal('control_response'), response: z.looseObject({}) });

const KNOWN = {
  system: systemSchema,
  assistant: assistantSchema,
  user: userSchema,
  stream_event: streamEventSchema,
  result: resultSchema,
  control_request: controlRequestSchema,
  control_response: controlResponseSchema,
  command_lifecycle: commandLifecycleSchema,
} as const;

export type ResultMessage = z.infer<typeof resultSchema>;
export type ApiUsage = z.infer<typeof apiUsageSchema>;
export type ModelUsage = z.infer<typeof modelUsageSchema>;
export type ContentBlock = z.infer<typeof blockSchema>;

export type CliMessage =
  | z.infer<typeof systemSchema>
  | z.infer<typeof assistantSchema>
  | z.infer<typeof userSchema>
  | z.infer<typeof streamEventSchema>
  | ResultMessage
  | z.infer<typeof controlRequestSchema>
  | z.infer<typeof controlResponseSchema>
  | z.infer<typeof commandLifecycleSchema>
  /** A message type we have no use for (progress, hooks, rate-limit notices, ...). */
  | { readonly type: 'other'; readonly rawType: string }
  /** A known type whose shape we can't read: the CLI changed, and a turn must fail rather than hang. */
  | { readonly type: 'invalid'; readonly rawType: string; readonly problem: string };

/** One line of the CLI's stdout as a message. Never throws: unreadable lines become 'invalid'. */
export function parseCliLine(line: string): CliMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(line) as unknown;
  } catch (error) {
    return { type: 'invalid', rawType: '(not JSON)', problem: `${(error as Error).message}: ${line.slice(0, 200)}` };
  }
  const rawType = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (typeof rawType !== 'string') return { type: 'invalid', rawType: '(no type)', problem: line.slice(0, 200) };
  if (!(rawType in KNOWN)) return { type: 'other', rawType };
  const parsed = KNOWN[rawType as keyof typeof KNOWN].safeParse(raw);
  if (!parsed.success) return { type: 'invalid', rawType, problem: z.prettifyError(parsed.error) };
  return parsed.data as CliMessage;
}

/** A user turn, as one stdin line. */
export function userMessageLine(text: string, uuid?: string): string {
  return `${JSON.stringify({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, ...(uuid ? { uuid } : {}) })}\n`;
}

/** Answers a control request of the CLI (e.g. can_use_tool). */
export function controlSuccessLine(requestId: string, response: Record<string, unknown>): string {
  return `${JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } })}\n`;
}

/** Refuses a control request we don't serve, so the CLI never waits for an answer that won't come. */
export function controlErrorLine(requestId: string, error: string): string {
  return `${JSON.stringify({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error } })}\n`;
}

/** Asks the CLI to stop the running turn; it answers with a result (is_error) and stays usable. */
export function interruptLine(requestId: string): string {
  return `${JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } })}\n`;
}
