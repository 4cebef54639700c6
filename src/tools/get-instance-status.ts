import { instanceRefSchema } from '../domain/inputs.js';
import { instanceOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

export const getInstanceStatusTool = defineTool({
  name: 'get_instance_status',
  title: 'Instance status',
  description: 'State, role, model, parent and children, token usage (input/output/cache), cost_usd, turns, response times, errors, limits and activity (what it does now, e.g. running_tool Bash) of one instance.',
  inputSchema: instanceRefSchema,
  outputSchema: instanceOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.getInstanceStatus(input),
});
