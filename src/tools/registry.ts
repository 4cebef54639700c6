import { z } from 'zod';
import { OrchestratorError, toOrchestratorError, type ErrorCode } from '../domain/errors.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { toolCallSpan, toolFailed } from '../observability/genai-spans.js';
import type { Span } from '../observability/tracing.js';
import { cancelTaskTool } from './cancel-task.js';
import { answerApprovalTool } from './answer-approval.js';
import { coordinateInstancesTool } from './coordinate-instances.js';
import { getInstanceOutputTool } from './get-instance-output.js';
import { getTaskTool } from './get-task.js';
import { getInstanceStatusTool } from './get-instance-status.js';
import { listInstancesTool } from './list-instances.js';
import { checkOutput } from './output-check.js';
import { sendToInstanceTool } from './send-to-instance.js';
import { spawnClaudeTool } from './spawn-claude.js';
import { terminateInstanceTool } from './terminate-instance.js';
import type { ToolContext, ToolDefinition } from './tool-definition.js';

/** Every tool, in the order clients list them. MCP, REST, --help and the README table all come from here. */
export const TOOLS: readonly ToolDefinition[] = [
  spawnClaudeTool,
  sendToInstanceTool,
  getInstanceOutputTool,
  getInstanceStatusTool,
  listInstancesTool,
  terminateInstanceTool,
  coordinateInstancesTool,
  getTaskTool,
  cancelTaskTool,
  answerApprovalTool,
];

export function findTool(name: string): ToolDefinition | undefined {
  return TOOLS.find((t) => t.name === name);
}

/** A tool's result as MCP shapes it: structured JSON plus the same JSON as text for clients that only read text. */
export interface ToolCallResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

export interface ToolOutcome {
  readonly result: ToolCallResult;
  /** Set when the call failed; transports map it to their own status (REST: 400/404/409...). */
  readonly errorCode?: ErrorCode;
}

export function successResult(value: object): ToolCallResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}

export function errorResult(error: OrchestratorError): ToolCallResult {
  const body = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
  return { content: [{ type: 'text', text: `Error (${error.code}): ${error.message}` }], structuredContent: body, isError: true };
}

/** Runs a tool by name with unvalidated arguments; never throws — failures come back as an error result. */
export function executeTool(orchestrator: Orchestrator, name: string, args: unknown, context: ToolContext = {}): Promise<ToolOutcome> {
  // The root span of the call's trace (an unknown name is not a span name: clients choose it).
  return toolCallSpan(findTool(name) ? name : 'unknown', (span) => runTool(orchestrator, name, args, context, span));
}

async function runTool(orchestrator: Orchestrator, name: string, args: unknown, context: ToolContext, span: Span): Promise<ToolOutcome> {
  try {
    const tool = findTool(name);
    if (!tool) {
      throw new OrchestratorError('not_found', `Unknown tool ${JSON.stringify(name)}. Available: ${TOOLS.map((t) => t.name).join(', ')}.`);
    }
    const parsed = tool.inputSchema.safeParse(args ?? {});
    if (!parsed.success) throw new OrchestratorError('invalid_input', `Invalid arguments for ${name}: ${z.prettifyError(parsed.error)}`);
    return { result: successResult(checkOutput(tool, await tool.run(orchestrator, parsed.data, context), orchestrator.logger)) };
  } catch (error) {
    const failure = toOrchestratorError(error);
    toolFailed(span, failure.code, failure.message);
    return { result: errorResult(failure), errorCode: failure.code };
  }
}

/** The JSON Schema of a tool's input, as MCP clients and GET /tools see it. */
export function inputJsonSchema(tool: ToolDefinition): Record<string, unknown> {
  return z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Record<string, unknown>;
}

export { outputJsonSchema } from './output-check.js';
