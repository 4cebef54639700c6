import { z } from 'zod';

/**
 * The request bodies the simulator accepts, modelled on the Messages API. Objects are loose (unknown
 * fields pass through) because real clients such as Claude Code send fields the simulator has no use
 * for, and rejecting them would break those clients; known fields are checked so client bugs show up.
 */

const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});

/** Block types the simulator reads; every other type (image, document, thinking, ...) is accepted as is. */
const KNOWN_BLOCKS: Readonly<Record<string, z.ZodType>> = {
  text: textBlockSchema,
  tool_use: toolUseBlockSchema,
  tool_result: toolResultBlockSchema,
};

/**
 * One content block: any object with a string `type`; the known types are checked in full. Done as a
 * refinement rather than a union so an error names the bad field instead of "no union member matched".
 */
const contentBlockSchema = z.looseObject({ type: z.string() }).superRefine((block, ctx) => {
  const schema = KNOWN_BLOCKS[block.type];
  if (!schema) return;
  const result = schema.safeParse(block);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  }
});

/** API version 2026-10-21 also accepts `system` messages inside `messages`. */
const messageParamSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});

const systemSchema = z.union([z.string(), z.array(textBlockSchema)]);

const toolSchema = z.looseObject({ name: z.string() });

/** Fields shared by `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
const baseRequestShape = {
  model: z.string().min(1),
  messages: z.array(messageParamSchema).min(1, 'at least one message is required'),
  system: systemSchema.optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  metadata: z.looseObject({}).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
};

export const messagesRequestSchema = z.looseObject({
  ...baseRequestShape,
  // 0 is valid: the API then only warms the prompt cache and generates nothing.
  max_tokens: z.number().int().min(0),
  stream: z.boolean().optional(),
});

export const countTokensRequestSchema = z.looseObject(baseRequestShape);

/** A validated `POST /v1/messages` body, as rules and reply functions see it. */
export type ParsedRequest = z.infer<typeof messagesRequestSchema>;
/** A validated `POST /v1/messages/count_tokens` body. */
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
export type MessageParam = ParsedRequest['messages'][number];
export type ContentBlockParam = z.infer<typeof contentBlockSchema>;
export type SystemParam = NonNullable<ParsedRequest['system']>;
