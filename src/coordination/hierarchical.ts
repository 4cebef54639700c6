import { OrchestratorError } from '../domain/errors.js';
import { notRunResult, participantResult } from './participant-result.js';
import { parsePlan, planWaves, type PlannedSubtask } from './plan.js';
import { integrationPrompt, label, planPrompt, planRetryPrompt } from './prompts.js';
import type { HierarchicalResult, PlanAttempt, SubtaskResult } from './hierarchical-types.js';
import { runSubtasks } from './subtasks.js';
import { TurnRunner } from './turn-runner.js';
import type { CoordinationContext, CoordinationRequest, ParticipantInfo, ParticipantResult } from './types.js';
import { describeTally, tallyFields } from './usage-sum.js';

export type { HierarchicalResult, PlanAttempt, SubtaskResult } from './hierarchical-types.js';

/** A plan gets one retry with the errors quoted back; a model that still ignores the format ends the run. */
const PLAN_ATTEMPTS = 2;

/** Kept of an unusable plan reply, so the result shows what the coordinator said without bloating it. */
const MAX_REPLY_CHARS_KEPT = 2_000;

/**
 * The coordinator splits the task into sub-tasks (JSON, validated, retried once), the participants do them
 * in dependency waves, and the coordinator integrates the results. With `maxDepth` > 1 an assignee that has
 * live children coordinates a nested hierarchical run over them for its sub-task.
 */
export async function runHierarchical(request: CoordinationRequest, context: CoordinationContext): Promise<HierarchicalResult> {
  if (request.coordinatorId === undefined) {
    throw new OrchestratorError(
      'invalid_input',
      'The hierarchical pattern needs a coordinator: set coordinator_id to the instance that should split the task into sub-tasks and integrate the results (it must not be one of the participants).',
    );
  }
  const runner = new TurnRunner(context);
  const result = await runLevel({ ...request, coordinatorId: request.coordinatorId }, runner, 1);
  runner.finish(result.summary);
  return result;
}

type LevelRequest = CoordinationRequest & { readonly coordinatorId: string };

async function runLevel(request: LevelRequest, runner: TurnRunner, level: number): Promise<HierarchicalResult> {
  const coordinator = await runner.port.describe(request.coordinatorId);
  const team = await Promise.all(request.participantIds.map((id) => runner.port.describe(id)));
  runner.expect(2); // the plan and the integration; sub-tasks are added once the plan is known

  const { plan, attempts } = await obtainPlan(runner, coordinator, team, request.task);
  const base = { coordination_type: 'hierarchical' as const, coordinator, level, plan_attempts: attempts };
  if (plan === undefined) {
    runner.expect(-1);
    const last = attempts.at(-1);
    const why =
      last?.status === 'invalid'
        ? `${label(coordinator)} did not produce a valid plan after ${attempts.length} attempts: ${last.errors.join('; ')}. Its replies are in plan_attempts; try a more capable coordinator or a more specific task.`
        : `${label(coordinator)} could not plan (${last?.status ?? 'not asked'}): ${last?.errors.join('; ') ?? ''}`;
    return {
      ...base,
      success: false,
      summary: `${runner.cancelled ? 'Cancelled. ' : ''}Hierarchical run: ${why} ${describeTally(runner.tally)}.`,
      ...tallyFields(runner.tally),
      plan: null,
      waves: [],
      subtasks: [],
      integration: null,
      final_answer: null,
    };
  }

  const waves = planWaves(plan);
  runner.expect(plan.length);
  runner.note(`${label(coordinator)} planned ${plan.length} sub-task(s) in ${waves.length} wave(s)`);
  const maxDepth = request.options.maxDepth ?? 1;
  const subtasks = await runSubtasks({
    runner,
    task: request.task,
    plan,
    waves,
    team,
    // Delegation: an assignee with live children coordinates them, one level less deep.
    delegate:
      maxDepth > 1
        ? async (assignee, message, nestedRunner) => {
            const children = await runner.port.childrenOf(assignee.instance_id);
            if (children.length === 0) return undefined;
            const nested: LevelRequest = {
              coordinatorId: assignee.instance_id,
              participantIds: children.map((c) => c.instance_id),
              task: message,
              options: { ...request.options, maxDepth: maxDepth - 1 },
            };
            return () => runLevel(nested, nestedRunner, level + 1);
          }
        : undefined,
  });

  const outcomes = plan.map((subtask, i) => ({ subtask, result: subtasks[i] as SubtaskResult }));
  let integration: ParticipantResult;
  if (runner.cancelled) {
    integration = notRunResult(coordinator, 'The run was cancelled before the integration.', 'cancelled');
  } else if (!subtasks.some((s) => s.status === 'completed')) {
    runner.expect(-1);
    integration = notRunResult(coordinator, 'No sub-task completed, so there was nothing to integrate.');
  } else {
    integration = participantResult(coordinator, await runner.run(coordinator, integrationPrompt(request.task, outcomes), 'integrated the results'));
  }

  const success = subtasks.every((s) => s.status === 'completed' && (s.nested?.success ?? true)) && integration.status === 'completed';
  return {
    ...base,
    success,
    summary: summarise(coordinator, plan, waves, subtasks, integration, runner),
    ...tallyFields(runner.tally),
    plan,
    waves: waves.map((w) => w.map((s) => s.id)),
    subtasks,
    integration,
    final_answer: integration.status === 'completed' ? (integration.reply ?? null) : null,
  };
}

async function obtainPlan(
  runner: TurnRunner,
  coordinator: ParticipantInfo,
  team: readonly ParticipantInfo[],
  task: string,
): Promise<{ plan: PlannedSubtask[] | undefined; attempts: PlanAttempt[] }> {
  const attempts: PlanAttempt[] = [];
  for (let n = 1; n <= PLAN_ATTEMPTS; n++) {
    const previous = attempts.at(-1);
    const message = previous === undefined ? planPrompt(task, team) : planRetryPrompt(previous.errors, team);
    if (n > 1) runner.expect(1);
    const turn = await runner.run(coordinator, message, n === 1 ? 'made a plan' : `made a plan (attempt ${n})`);
    if (turn.status !== 'completed') {
      attempts.push({ attempt: n, status: turn.status, errors: [turn.error] });
      return { plan: undefined, attempts };
    }
    const parsed = parsePlan(turn.outcome.reply, team);
    if (parsed.ok) {
      attempts.push({ attempt: n, status: 'valid', errors: [] });
      return { plan: parsed.value, attempts };
    }
    attempts.push({ attempt: n, status: 'invalid', errors: [...parsed.errors], reply: truncate(turn.outcome.reply) });
    runner.note(`${label(coordinator)}'s plan was not valid (attempt ${n} of ${PLAN_ATTEMPTS}): ${parsed.errors.join('; ')}`);
  }
  return { plan: undefined, attempts };
}

function truncate(text: string): string {
  return text.length <= MAX_REPLY_CHARS_KEPT ? text : `${text.slice(0, MAX_REPLY_CHARS_KEPT)}... (${text.length - MAX_REPLY_CHARS_KEPT} more characters)`;
}

function summarise(
  coordinator: ParticipantInfo,
  plan: readonly PlannedSubtask[],
  waves: readonly (readonly PlannedSubtask[])[],
  subtasks: readonly SubtaskResult[],
  integration: ParticipantResult,
  runner: TurnRunner,
): string {
  const done = subtasks.filter((s) => s.status === 'completed').length;
  const problems = subtasks
    .filter((s) => s.status !== 'completed' || s.nested?.success === false)
    .map((s) => `${s.subtask_id} by ${label(s)} ${s.status === 'completed' ? 'completed with problems in its nested run' : s.status}${s.error ? ` (${s.error})` : ''}`);
  const integrated =
    integration.status === 'completed' ? `${label(coordinator)} integrated the results.` : `Integration by ${label(coordinator)} ${integration.status}: ${integration.error ?? 'no reply'}.`;
  return [
    `${runner.cancelled ? 'Cancelled. ' : ''}Hierarchical run led by ${label(coordinator)}: ${plan.length} sub-task(s) in ${waves.length} wave(s), ${done} completed.`,
    problems.length > 0 ? `${problems.join('; ')}.` : '',
    integrated,
    `${describeTally(runner.tally)}.`,
  ]
    .filter((s) => s.length > 0)
    .join(' ');
}
