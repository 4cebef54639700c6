import { z } from 'zod';
import { spawnInputSchema } from '../domain/inputs.js';
import { ROLE_IDS } from '../domain/roles.js';
import { instanceOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

/** What a spawn returns: the new instance's identity and limits (as get_instance_status shows them), and warnings. */
const spawnOutput = instanceOutput
  .pick({ instance_id: true, name: true, role: true, model: true, backend: true, state: true, workspace: true, parent_id: true, limits: true })
  .extend({ warnings: z.array(z.string()) });

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
