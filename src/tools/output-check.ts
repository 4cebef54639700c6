import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ToolDefinition } from './tool-definition.js';

/**
 * A successful result that does not match its tool's outputSchema is a bug in the orchestrator, not the
 * caller's fault. It is logged at error level (tool and issues, never the result itself) and answered as an
 * `internal` error result: the MCP client would refuse the structured content anyway, and REST must not
 * promise a shape it does not keep. The work itself (a turn, a run) is already done and stored.
 */
export function checkOutput(tool: ToolDefinition, value: object, logger: Logger): object {
  const checked = tool.outputSchema.safeParse(value);
  if (checked.success) return value;
  const issues = z.prettifyError(checked.error);
  logger.error({ tool: tool.name, issues }, 'tool result does not match its output schema (a bug: please report it)');
  throw new OrchestratorError(
    'internal',
    `${tool.name} produced a result that does not match its output schema (a bug in the orchestrator; please report it): ${issues}. ` +
      'Any work it did is kept: read it with get_instance_output or get_task.',
  );
}

/**
 * The JSON Schema of a tool's result as tools/list and GET /tools show it: zod's draft 2020-12 output, minus
 * what means nothing (the `$schema` tag, empty `properties`, `additionalProperties: {}`), so tools/list stays
 * small. A root that is a union of objects gets `type: "object"`, as MCP wants object results.
 */
export function outputJsonSchema(tool: ToolDefinition): Record<string, unknown> {
  const schema = compact(z.toJSONSchema(tool.outputSchema, { io: 'output', target: 'draft-2020-12' })) as Record<string, unknown>;
  return schema['type'] === undefined ? { type: 'object', ...schema } : schema;
}

/**
 * The output schema handed to the MCP SDK: zod validates (the SDK checks every result with it), and the JSON
 * Schema it lists is {@link outputJsonSchema}.
 */
export function mcpOutputSchema(tool: ToolDefinition): StandardSchemaWithJson {
  return withJson(tool.outputSchema, outputJsonSchema(tool));
}

/** The input schema handed to the MCP SDK: zod parses the arguments; the listed JSON Schema is zod's, compacted the same way. */
export function mcpInputSchema(tool: ToolDefinition): StandardSchemaWithJson {
  return withJson(tool.inputSchema, { type: 'object', ...(compact(z.toJSONSchema(tool.inputSchema, { io: 'input', target: 'draft-2020-12' })) as object) });
}

function withJson(schema: z.ZodType, json: Record<string, unknown>): StandardSchemaWithJson {
  return { '~standard': { version: 1, vendor: 'claude-orchestrator', validate: schema['~standard'].validate, jsonSchema: { input: () => json, output: () => json } } };
}

/** A Standard Schema with its JSON Schema (the shape the MCP SDK accepts for input and output schemas). */
export interface StandardSchemaWithJson {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: z.ZodType['~standard']['validate'];
    readonly jsonSchema: { readonly input: (options: unknown) => Record<string, unknown>; readonly output: (options: unknown) => Record<string, unknown> };
  };
}

function compact(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compact);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if ((key === 'properties' || key === 'additionalProperties') && isEmptyObject(value)) continue;
    out[key] = compact(value);
  }
  return out;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}
