import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from './errors.js';
import { ROLE_IDS } from './roles.js';

/**
 * The input schemas of every operation, validated at the boundary (MCP, REST, library) and nowhere else.
 * Tool definitions use these same objects; there is no second copy.
 */
const instanceId = z.string().min(1).max(200).describe('The instance id returned by spawn_claude.');
const pageLimit = z.number().int().min(1).max(DEFAULTS.maxPageSize);
const pageOffset = z.number().int().min(0);

export const spawnInputSchema = z.object({
  name: z.string().trim().min(1).max(DEFAULTS.maxNameChars).describe('A human-readable name, e.g. "React Developer".'),
  role: z.enum(ROLE_IDS).default('general').describe('Specialist role; its system prompt comes first.'),
  system_prompt: z.string().max(DEFAULTS.maxSystemPromptChars).optional().describe('Extra instructions appended to the role prompt.'),
  model: z.string().min(1).max(100).optional().describe('Model id; defaults to the server default.'),
  max_total_tokens: z.number().int().positive().optional().describe('Token budget (input+output+cache); default from server.'),
  max_cost: z.number().positive().finite().optional().describe('Cost cap in USD.'),
  timeout_minutes: z.number().positive().max(60 * 24 * 30).optional().describe('Lifetime since spawn.'),
  keep_workspace: z.boolean().optional().describe('Keep the workspace directory after terminate.'),
  parent_id: instanceId.optional().describe('Parent instance; terminating it terminates this one.'),
});

export const sendInputSchema = z.object({
  instance_id: instanceId,
  message: z.string().min(1).max(DEFAULTS.maxMessageChars).describe('The message; the instance sees the whole conversation so far.'),
  timeout_seconds: z.number().positive().max(3600).optional().describe('Abort the turn after this long.'),
});

export const outputInputSchema = z.object({
  instance_id: instanceId,
  limit: pageLimit.optional().describe(`Messages per page (default ${DEFAULTS.pageSize}).`),
  offset: pageOffset.optional().describe('Messages to skip from the start.'),
});

export const instanceRefSchema = z.object({ instance_id: instanceId });

export const listInputSchema = z.object({
  include_terminated: z.boolean().optional().describe('Also list terminated and failed instances.'),
  limit: pageLimit.optional(),
  offset: pageOffset.optional(),
});

export type SpawnInput = z.input<typeof spawnInputSchema>;
export type SendInput = z.input<typeof sendInputSchema>;
export type OutputInput = z.input<typeof outputInputSchema>;
export type InstanceRef = z.input<typeof instanceRefSchema>;
export type ListInput = z.input<typeof listInputSchema>;

/** Validates input against a schema; failures are `invalid_input` errors naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
  throw new OrchestratorError('invalid_input', `Invalid input: ${detail}`);
}
