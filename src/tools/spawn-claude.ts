import { z } from 'zod';
import { spawnInputSchema } from '../domain/inputs.js';
import { ROLE_IDS } from '../domain/roles.js';
import { limitsOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

const spawnOutput = z.strictObject({
  instance_id: z.string(),
  name: z.string(),
  role: z.string(),
  model: z.string(),
  backend: z.string(),
  state: z.string(),
  workspace: z.string(),
  parent_id: z.string().nullable(),
  limits: limitsOutput,
  warnings: z.array(z.string()),
});

export const spawnClaudeTool = defineTool({
  name: 'spawn_claude',
  title: 'Spawn a Claude instance',
  description:
    `Start a new Claude instance (its own conversation and workspace directory) with a specialist role: ${ROLE_IDS.join(', ')}. ` +
    'Returns instance_id for send_to_instance. Optional limits: max_total_tokens, max_cost (USD), timeout_minutes.',
  inputSchema: spawnInputSchema,
  outputSchema: spawnOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run: (orchestrator, input) => orchestrator.spawnInstance(input),
});
