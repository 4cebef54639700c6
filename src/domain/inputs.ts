import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from './errors.js';
import { BACKEND_KINDS, BACKEND_SPAWN_OPTIONS, BACKENDS, DEFAULT_BACKEND } from '../backends/registry.js';
import { ROLE_IDS } from './roles.js';

/**
 * The input schemas of every operation, validated at the boundary (MCP, REST, library) and nowhere else.
 * Tool definitions use these same objects; there is no second copy.
 */
const instanceId = z.string().min(1).max(200).describe('The instance id returned by spawn_claude.');
const pageLimit = z.number().int().min(1).max(DEFAULTS.maxPageSize);
const pageOffset = z.number().int().min(0).max(1_000_000_000);

export const spawnInputSchema = z.object({
  name: z.string().trim().min(1).max(DEFAULTS.maxNameChars).describe('A human-readable name, e.g. "React Developer".'),
  role: z.enum(ROLE_IDS).default('general').describe('Specialist role; its system prompt comes first.'),
  system_prompt: z.string().max(DEFAULTS.maxSystemPromptChars).optional().describe('Extra instructions appended to the role prompt.'),
  // A model id never starts with '-': a backend that passes it to a CLI must not see it read as a flag.
  model: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'a model id: letters, digits and ._:@/- (e.g. claude-sonnet-5-5)').optional().describe('Model id; defaults to the server default.'),
  max_total_tokens: z.number().int().positive().max(1_000_000_000).optional().describe('Token budget (input+output+cache); default from server.'),
  max_cost: z.number().positive().max(1_000_000).optional().describe('Cost cap in USD.'),
  timeout_minutes: z.number().positive().max(60 * 24 * 30).optional().describe('Lifetime since spawn.'),
  keep_workspace: z.boolean().optional().describe('Keep the workspace directory after terminate.'),
  parent_id: instanceId.optional().describe('Parent instance; terminating it terminates this one.'),
  allow_delegation: z.boolean().optional().describe('Give the instance tools to spawn, message and read its own child instances.'),
  backend: z
    .enum(BACKEND_KINDS)
    .default(DEFAULT_BACKEND as (typeof BACKEND_KINDS)[number])
    .describe(BACKENDS.map((b) => b.description).join('; ')),
  // Each backend's own options (the registry's); spawn checks that those given belong to the chosen backend.
  ...optionalShape(BACKEND_SPAWN_OPTIONS),
});

function optionalShape<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

const waitSeconds = z
  .number()
  .min(0)
  .max(300)
  .optional()
  .describe(`Wait this long for the result before returning a task handle (default ${DEFAULTS.waitSeconds}; until done when the request has a progress token).`);

export const sendInputSchema = z.object({
  instance_id: instanceId,
  message: z.string().min(1).max(DEFAULTS.maxMessageChars).describe('The message; the instance sees the whole conversation so far.'),
  timeout_seconds: z.number().positive().max(3600).optional().describe('Abort the turn after this long.'),
  wait_seconds: waitSeconds,
});

export const COORDINATION_TYPES = ['parallel', 'sequential', 'hierarchical', 'consensus'] as const;

export const coordinateInputSchema = z.object({
  coordinator_id: instanceId.optional().describe('Synthesises (parallel, sequential), plans and integrates (hierarchical; required).'),
  participant_ids: z.array(instanceId).min(1).max(DEFAULTS.maxParticipants),
  task_description: z.string().min(1).max(DEFAULTS.maxMessageChars),
  coordination_type: z.enum(COORDINATION_TYPES),
  timeout_seconds: z.number().positive().max(24 * 3600).optional().describe('Abort the whole run after this long.'),
  wait_seconds: waitSeconds,
  options: z
    .object({
      max_rounds: z.number().int().min(1).max(10).optional().describe('consensus: voting rounds (default 3).'),
      quorum: z.number().gt(0).max(1).optional().describe('consensus: share of votes needed (default: a majority).'),
      max_depth: z.number().int().min(1).max(5).optional().describe('hierarchical: levels that may decompose again (default 1).'),
      synthesize: z.boolean().optional().describe('coordinator merges replies / states the consensus (default true).'),
    })
    .optional(),
});

export const taskRefSchema = z.object({
  task_id: z.string().min(1).max(200).describe('The task_id a tool returned.'),
  wait_seconds: z.number().min(0).max(300).optional().describe('Wait up to this long for the task to end (returns the moment it does).'),
});

export const cancelTaskSchema = z.object({ task_id: z.string().min(1).max(200) });

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
export type CoordinateInput = z.input<typeof coordinateInputSchema>;
export type TaskRef = z.input<typeof taskRefSchema>;

/** Validates input against a schema; failures are `invalid_input` errors naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
  throw new OrchestratorError('invalid_input', `Invalid input: ${detail}`);
}
