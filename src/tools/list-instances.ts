import { listInputSchema } from '../domain/inputs.js';
import { defineTool } from './tool-definition.js';

export const listInstancesTool = defineTool({
  name: 'list_instances',
  title: 'List instances',
  description: 'Live instances (newest first; include_terminated for all) with their status, plus global usage and cost totals. Paged by limit/offset.',
  inputSchema: listInputSchema,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.listInstances(input),
});
