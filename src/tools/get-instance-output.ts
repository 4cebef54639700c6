import { z } from 'zod';
import { outputInputSchema } from '../domain/inputs.js';
import { defineTool } from './tool-definition.js';

const messageOutput = z
  .looseObject({ seq: z.number(), role: z.string(), content: z.string(), at: z.string() })
  .describe('assistant turns add usage, cost_usd, duration_ms, stop_reason, model, evidence, verification; failed/error when the turn failed');

const outputOutput = z.strictObject({
  instance_id: z.string(),
  state: z.string(),
  total: z.number().describe('messages in the whole conversation'),
  offset: z.number(),
  limit: z.number(),
  messages: z.array(messageOutput),
});

export const getInstanceOutputTool = defineTool({
  name: 'get_instance_output',
  title: "Read an instance's conversation",
  description: "An instance's conversation, oldest first, with timestamps and per-turn usage. Paged by limit/offset; total tells how many exist.",
  inputSchema: outputInputSchema,
  outputSchema: outputOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.getInstanceOutput(input),
});
