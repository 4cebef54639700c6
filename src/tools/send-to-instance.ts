import { z } from 'zod';
import { sendInputSchema } from '../domain/inputs.js';
import { progressActivity } from '../liveness/progress-activity.js';
import { runWithWait } from '../tasks/run-with-wait.js';
import { costOutput, evidenceOutput, taskHandleOutput, usageOutput, verificationOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

const sendOutput = z.strictObject({
  instance_id: z.string(),
  reply: z.string(),
  usage: usageOutput,
  cost_usd: costOutput,
  cache_savings_usd: z.number().nullable(),
  duration_ms: z.number(),
  stop_reason: z.string().nullable().describe('e.g. end_turn, max_tokens, budget_exhausted'),
  model: z.string(),
  model_calls: z.number(),
  state: z.string().describe("the instance's state after the turn"),
  state_reason: z.string(),
  instance_usage: usageOutput,
  instance_cost_usd: z.number().nullable(),
  retries: z.number().optional(),
  changed_files: z.array(z.string()).optional().describe('claude-code'),
  permission_denials: z.array(z.looseObject({})).optional().describe('claude-code'),
  agent_cost_usd: z.number().optional().describe('claude-code'),
  tool_calls: z.array(z.looseObject({})).optional().describe('delegation calls made'),
  evidence: evidenceOutput,
  verification: verificationOutput.optional(),
  warnings: z.array(z.string()),
});

export const sendToInstanceTool = defineTool({
  name: 'send_to_instance',
  title: 'Send a message to an instance',
  description:
    'Send a message to an instance; it remembers the whole conversation. Returns the reply, token usage, cost_usd and duration_ms, ' +
    'or {task_id, state:"working"} if not done within wait_seconds (then use get_task).',
  inputSchema: sendInputSchema,
  outputSchema: z.union([sendOutput, taskHandleOutput]),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run: async (orchestrator, raw, context) => {
    const input = await orchestrator.prepareSend(raw);
    return runWithWait(
      orchestrator.tasks,
      'send',
      `send to ${input.instance_id}`,
      async (signal, report) => {
        const result = await orchestrator.sendToInstance(input, {
          signal,
          // A send handed to the node hosting a claude-code instance says where it is.
          onProgress: (message) => report({ message }),
          ...(context.askPermission ? { askPermission: context.askPermission } : {}),
          ...(context.askBudget ? { askBudget: context.askBudget } : {}),
        });
        report({ message: 'reply received', completedTurns: 1, totalTurns: 1, addTokens: result.usage.total_tokens });
        return result;
      },
      context,
      input.wait_seconds,
      { tool: 'send_to_instance', arguments: raw },
      progressActivity(orchestrator, () => [input.instance_id]),
    );
  },
});
