import type { AskPermission } from '../backends/backend.js';
import type { AskBudget } from '../budget-ask/budget-question.js';
import { runCoordination } from '../coordination/run-coordination.js';
import type { CoordinationRequest, CoordinationType } from '../coordination/types.js';
import { OrchestratorError } from '../domain/errors.js';
import { coordinateInputSchema, parseInput, type CoordinateInput } from '../domain/inputs.js';
import type { ProgressReport } from '../tasks/task-registry.js';
import type { Replay } from '../tasks/turn-journal.js';
import { coordinationPort, type TeamAccess } from './coordination-port.js';
import type { Kernel } from './kernel.js';
import { assertTakesTurns } from './limits.js';
import { findInstance } from './queries.js';
import { secondsToTimerMs } from '../domain/timer-ms.js';

/** A validated coordinate_instances call, ready to run. */
export interface CoordinationPlan {
  readonly type: CoordinationType;
  readonly request: CoordinationRequest;
  readonly timeoutMs: number;
  readonly waitSeconds: number | undefined;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly report?: (update: ProgressReport) => void;
  readonly askPermission?: AskPermission;
  /** Asks the caller's client to raise a budget that refuses a participant's model call. */
  readonly askBudget?: AskBudget;
  /** A resumed run's finished turns, reused instead of asked again (src/resume). */
  readonly replay?: Replay;
}

/** Validates a coordination request: every id known and live, no duplicates, a coordinator where needed. */
export async function prepareCoordination(k: Kernel, raw: CoordinateInput): Promise<CoordinationPlan> {
  const input = parseInput(coordinateInputSchema, raw);
  const ids = input.participant_ids;
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new OrchestratorError('invalid_input', `Participant ${duplicate} is listed twice.`);
  if (input.coordinator_id !== undefined && ids.includes(input.coordinator_id)) {
    throw new OrchestratorError('invalid_input', `The coordinator ${input.coordinator_id} cannot also be a participant.`);
  }
  if (input.coordination_type === 'hierarchical' && input.coordinator_id === undefined) {
    throw new OrchestratorError('invalid_input', 'A hierarchical run needs a coordinator_id: the instance that plans the sub-tasks and integrates the results (an architect, say).');
  }
  for (const id of [...(input.coordinator_id !== undefined ? [input.coordinator_id] : []), ...ids]) {
    const record = await findInstance(k.store, id);
    assertTakesTurns(record, 'take part');
    await k.backends.ready(record.backend);
  }
  const o = input.options ?? {};
  return {
    type: input.coordination_type,
    request: {
      ...(input.coordinator_id !== undefined ? { coordinatorId: input.coordinator_id } : {}),
      participantIds: ids,
      task: input.task_description,
      options: {
        ...(o.max_rounds !== undefined ? { maxRounds: o.max_rounds } : {}),
        ...(o.quorum !== undefined ? { quorum: o.quorum } : {}),
        ...(o.max_depth !== undefined ? { maxDepth: o.max_depth } : {}),
        ...(o.synthesize !== undefined ? { synthesize: o.synthesize } : {}),
      },
    },
    timeoutMs: secondsToTimerMs(input.timeout_seconds ?? k.config.coordinationTimeoutSeconds),
    waitSeconds: input.wait_seconds,
  };
}

/** Runs a prepared coordination; aborted by `signal`, its own timeout, or shutdown. */
export async function runPlan(k: Kernel, team: TeamAccess, plan: CoordinationPlan, options: RunOptions = {}): Promise<object> {
  const report = options.report ?? (() => undefined);
  const timeout = AbortSignal.timeout(plan.timeoutMs);
  const signal = AbortSignal.any([timeout, k.shutdown, ...(options.signal ? [options.signal] : [])]);
  k.log.info({ type: plan.type, participants: plan.request.participantIds, coordinatorId: plan.request.coordinatorId }, 'coordination started');
  report({ participants: [...(plan.request.coordinatorId !== undefined ? [plan.request.coordinatorId] : []), ...plan.request.participantIds] });
  const result = await runCoordination(plan.type, plan.request, {
    port: coordinationPort(team, report, options, options.replay),
    signal,
    maxConcurrency: k.config.coordinationConcurrency,
    progress: (u) => report({ message: u.message, ...(u.completedTurns !== undefined ? { completedTurns: u.completedTurns } : {}), ...(u.totalTurns !== undefined ? { totalTurns: u.totalTurns } : {}) }),
  });
  if (timeout.aborted && !result.success) {
    throw new OrchestratorError('timeout', `The ${plan.type} run did not finish within ${plan.timeoutMs / 1000} s (timeout_seconds); finished turns are in each instance's output.`);
  }
  k.log.info({ type: plan.type, success: result.success, turns: result.turns, costUsd: result.cost_usd }, 'coordination finished');
  return result;
}
