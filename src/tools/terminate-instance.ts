import { z } from 'zod';
import { instanceRefSchema } from '../domain/inputs.js';
import { costOutput, usageOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

const terminateOutput = z.strictObject({
  instance_id: z.string(),
  state: z.string(),
  reason: z.string(),
  usage: usageOutput,
  cost_usd: costOutput,
  turns: z.number(),
  workspace_removed: z.boolean(),
  terminated_children: z.array(z.string()),
});

export const terminateInstanceTool = defineTool({
  name: 'terminate_instance',
  title: 'Terminate an instance',
  description: 'End an instance (its children first) and remove its workspace unless keep_workspace was set. Returns its final usage and cost.',
  inputSchema: instanceRefSchema,
  outputSchema: terminateOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.terminateInstance(input),
});
