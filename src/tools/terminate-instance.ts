import { instanceRefSchema } from '../domain/inputs.js';
import { defineTool } from './tool-definition.js';

export const terminateInstanceTool = defineTool({
  name: 'terminate_instance',
  title: 'Terminate an instance',
  description: 'End an instance (its children first) and remove its workspace unless keep_workspace was set. Returns its final usage and cost.',
  inputSchema: instanceRefSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.terminateInstance(input),
});
