import { outputInputSchema } from '../domain/inputs.js';
import { defineTool } from './tool-definition.js';

export const getInstanceOutputTool = defineTool({
  name: 'get_instance_output',
  title: "Read an instance's conversation",
  description: "An instance's conversation, oldest first, with timestamps and per-turn usage. Paged by limit/offset; total tells how many exist.",
  inputSchema: outputInputSchema,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.getInstanceOutput(input),
});
