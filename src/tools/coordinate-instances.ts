import { z } from 'zod';
import { coordinateInputSchema } from '../domain/inputs.js';
import { progressActivity, workingParticipants } from '../liveness/progress-activity.js';
import { runWithWait } from '../tasks/run-with-wait.js';
import { costOutput, taskHandleOutput, usageOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

/** Loose: each type adds its own detail (results/synthesis, plan/subtasks/integration, proposals/rounds/votes/decision). */
const coordinationOutput = z
  .looseObject({
    coordination_type: z.enum(['parallel', 'sequential', 'hierarchical', 'consensus']),
    success: z.boolean().describe('the run did what it was asked'),
    summary: z.string(),
    turns: z.number(),
    usage: usageOutput,
    cost_usd: costOutput,
    final_answer: z.string().nullable(),
    evidence: z.looseObject({ unverified: z.number() }).describe('summed, and per participant'),
  })
  .describe('plus per-type detail: results, synthesis, plan, subtasks, proposals, rounds, votes, decision');

export const coordinateInstancesTool = defineTool({
  name: 'coordinate_instances',
  title: 'Coordinate instances',
  description:
    'Make instances work together on a task. parallel: all at once (+ coordinator synthesis); sequential: each sees the outputs before it; ' +
    'hierarchical: coordinator plans sub-tasks, participants do them, coordinator integrates; consensus: propose, then vote for up to max_rounds. ' +
    'Returns the result, or {task_id, state:"working"} if not done within wait_seconds (then use get_task).',
  inputSchema: coordinateInputSchema,
  outputSchema: z.union([coordinationOutput, taskHandleOutput]),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run: async (orchestrator, raw, context) => {
    const plan = await orchestrator.prepareCoordination(raw);
    return runWithWait(
      orchestrator.tasks,
      'coordinate',
      `${plan.type} run with ${plan.request.participantIds.length} participants`,
      (signal, report) =>
        orchestrator.runCoordination(plan, {
          signal,
          report,
          ...(context.askPermission ? { askPermission: context.askPermission } : {}),
          ...(context.askBudget ? { askBudget: context.askBudget } : {}),
        }),
      context,
      plan.waitSeconds,
      { tool: 'coordinate_instances', arguments: raw },
      progressActivity(orchestrator, workingParticipants),
    );
  },
});
