import { z } from 'zod';
import { listInputSchema } from '../domain/inputs.js';
import { usageOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

const listOutput = z.strictObject({
  total: z.number().describe('instances matching, over all pages'),
  offset: z.number(),
  limit: z.number(),
  instances: z.array(z.looseObject({ instance_id: z.string(), name: z.string(), state: z.string() }).describe('as get_instance_status')),
  totals: z
    .looseObject({ instances_live: z.number(), instances_total: z.number(), usage: usageOutput, cost_usd: z.number(), max_total_cost_usd: z.number() })
    .describe('all instances: usage, cost, in-flight holds, unpriced instances'),
});

export const listInstancesTool = defineTool({
  name: 'list_instances',
  title: 'List instances',
  description: 'Live instances (newest first; include_terminated for all) with their status, plus global usage and cost totals. Paged by limit/offset.',
  inputSchema: listInputSchema,
  outputSchema: listOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: (orchestrator, input) => orchestrator.listInstances(input),
});
