import type { z } from 'zod';
import type { AskPermission } from '../backends/backend.js';
import type { AskBudget } from '../budget-ask/budget-question.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';

/** Per-call context a transport may provide. */
export interface ToolContext {
  /** Aborted when the client cancels or disconnects. */
  readonly signal?: AbortSignal;
  /** Present when the client asked for progress (an MCP progress token); sends one notification. */
  readonly onProgress?: (update: { progress: number; total?: number; message: string }) => void;
  /** Present when the client can answer an agent's permission asks (MCP elicitation). */
  readonly askPermission?: AskPermission;
  /** Present when the client can be asked to raise a spent budget (MCP elicitation). */
  readonly askBudget?: AskBudget;
}

/** One tool: the single definition MCP, REST and the docs are generated from. */
export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: S;
  /** What a successful call returns (structuredContent); error results carry `{error:{code,message}}` instead. */
  readonly outputSchema: z.ZodType<object>;
  readonly annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  run(orchestrator: Orchestrator, input: z.input<S>, context: ToolContext): Promise<object> | object;
}

/** Keeps each tool's input type tied to its schema while the registry holds them side by side. */
export function defineTool<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
