import { sendInputSchema } from '../domain/inputs.js';
import { runWithWait } from '../tasks/run-with-wait.js';
import { defineTool } from './tool-definition.js';

export const sendToInstanceTool = defineTool({
  name: 'send_to_instance',
  title: 'Send a message to an instance',
  description:
    'Send a message to an instance; it remembers the whole conversation. Returns the reply, token usage, cost_usd and duration_ms, ' +
    'or {task_id, state:"working"} if not done within wait_seconds (then use get_task).',
  inputSchema: sendInputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run: async (orchestrator, raw, context) => {
    const input = await orchestrator.prepareSend(raw);
    return runWithWait(
      orchestrator.tasks,
      'send',
      `send to ${input.instance_id}`,
      async (signal, report) => {
        const result = await orchestrator.sendToInstance(input, { signal, ...(context.askPermission ? { askPermission: context.askPermission } : {}) });
        report({ message: 'reply received', completedTurns: 1, totalTurns: 1, addTokens: result.usage.total_tokens });
        return result;
      },
      context,
      input.wait_seconds,
      { tool: 'send_to_instance', arguments: raw },
    );
  },
});
