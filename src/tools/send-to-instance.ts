import { sendInputSchema } from '../domain/inputs.js';
import { defineTool } from './tool-definition.js';

export const sendToInstanceTool = defineTool({
  name: 'send_to_instance',
  title: 'Send a message to an instance',
  description:
    'Send a message to an instance and wait for its reply. The instance remembers the whole conversation. ' +
    "Returns the reply, this turn's token usage, cost_usd and duration_ms.",
  inputSchema: sendInputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run: (orchestrator, input, context) => orchestrator.sendToInstance(input, context.signal ? { signal: context.signal } : {}),
});
