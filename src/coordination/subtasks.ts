import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import type { HierarchicalResult, SubtaskResult } from './hierarchical-types.js';
import { notRunResult, participantResult } from './participant-result.js';
import type { PlannedSubtask } from './plan.js';
import { subtaskPrompt, type DependencyOutcome } from './prompts.js';
import type { TurnRunner } from './turn-runner.js';
import type { ParticipantInfo, ParticipantResult } from './types.js';

/** Prepares a nested hierarchical run for `assignee` (started by calling the result), or undefined when it has no one to delegate to. */
export type Delegate = (assignee: ParticipantInfo, message: string, runner: TurnRunner) => Promise<(() => Promise<HierarchicalResult>) | undefined>;

export interface SubtaskRun {
  readonly runner: TurnRunner;
  readonly task: string;
  readonly plan: readonly PlannedSubtask[];
  readonly waves: readonly (readonly PlannedSubtask[])[];
  readonly team: readonly ParticipantInfo[];
  readonly delegate: Delegate | undefined;
}

/**
 * Executes a validated plan wave by wave; the sub-tasks of a wave run in parallel (the runner bounds how
 * many turns are in flight). A sub-task whose dependency did not complete is `skipped`; the rest go on.
 * Returns one result per sub-task, in plan order.
 */
export async function runSubtasks(run: SubtaskRun): Promise<SubtaskResult[]> {
  const done = new Map<string, SubtaskResult>();
  for (const [index, wave] of run.waves.entries()) {
    const results = await Promise.all(wave.map((subtask) => runOne(run, subtask, index + 1, done)));
    for (const r of results) done.set(r.subtask_id, r);
  }
  return run.plan.map((s) => done.get(s.id) ?? internalGap(s));
}

async function runOne(run: SubtaskRun, subtask: PlannedSubtask, wave: number, done: ReadonlyMap<string, SubtaskResult>): Promise<SubtaskResult> {
  const assignee = run.team.find((m) => m.instance_id === subtask.assignee);
  if (!assignee) throw new OrchestratorError('internal', `Sub-task ${subtask.id} has an assignee outside the team; the plan should have been rejected.`);
  const fields = { subtask_id: subtask.id, description: subtask.description, depends_on: [...subtask.depends_on], wave };
  const dependencies: DependencyOutcome[] = subtask.depends_on.map((id) => {
    const result = done.get(id);
    if (!result) throw new OrchestratorError('internal', `Sub-task ${subtask.id} runs before its dependency ${id}.`);
    return { subtask: run.plan.find((s) => s.id === id) ?? subtask, result };
  });

  const unmet = dependencies.filter((d) => d.result.status !== 'completed').map((d) => d.subtask.id);
  if (unmet.length > 0) {
    run.runner.expect(-1);
    const status = run.runner.cancelled ? 'cancelled' : 'skipped';
    return { ...fields, ...notRunResult(assignee, `Not run: it depends on ${unmet.join(', ')}, which did not complete.`, status) };
  }

  const message = subtaskPrompt(run.task, subtask, dependencies);
  const nested = run.runner.cancelled ? undefined : await run.delegate?.(assignee, message, run.runner.nested());
  if (nested) {
    run.runner.expect(-1); // the nested run's own turns replace this sub-task's single turn
    return { ...fields, ...(await delegated(assignee, nested(), run.runner)) };
  }
  return { ...fields, ...participantResult(assignee, await run.runner.run(assignee, message, `finished sub-task ${subtask.id}`)) };
}

/** A nested run as this sub-task's result: its integrated answer is the reply, its totals the usage. */
async function delegated(assignee: ParticipantInfo, pending: Promise<HierarchicalResult>, runner: TurnRunner): Promise<ParticipantResult & { nested?: HierarchicalResult }> {
  const who = { instance_id: assignee.instance_id, name: assignee.name, role: assignee.role };
  let nested: HierarchicalResult;
  try {
    nested = await pending;
  } catch (error) {
    // E.g. a child that vanished between childrenOf and describe: this sub-task fails, the run goes on.
    const failure = toOrchestratorError(error);
    return { ...who, status: runner.cancelled ? 'cancelled' : 'failed', error: `Delegation to the children of ${assignee.name} failed: ${failure.message}` };
  }
  const usage = { usage: nested.usage, cost_usd: nested.cost_usd };
  if (nested.final_answer !== null) return { ...who, status: 'completed', reply: nested.final_answer, ...usage, nested };
  return { ...who, status: runner.cancelled ? 'cancelled' : 'failed', error: nested.summary, ...usage, nested };
}

function internalGap(subtask: PlannedSubtask): never {
  throw new OrchestratorError('internal', `Sub-task ${subtask.id} was never run; its wave is missing.`);
}
