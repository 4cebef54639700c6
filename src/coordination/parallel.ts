import { describeOutcomes, participantResult } from './participant-result.js';
import { describeSynthesis, synthesize } from './synthesis.js';
import { TurnRunner } from './turn-runner.js';
import type { CoordinationContext, CoordinationRequest, CoordinationResultBase, ParticipantResult } from './types.js';
import { describeTally, tallyFields } from './usage-sum.js';

export interface ParallelResult extends CoordinationResultBase {
  coordination_type: 'parallel';
  /** One entry per participant, in request order. */
  results: ParticipantResult[];
  /** The coordinator's synthesis turn; null without a coordinator or with `synthesize: false`. */
  synthesis: ParticipantResult | null;
  /** The synthesised answer, or null when there is none. */
  final_answer: string | null;
}

/**
 * Every participant gets the task at once (bounded by maxConcurrency); one failure never loses the others'
 * replies. With a coordinator (and `synthesize` not false) the coordinator then combines the replies.
 */
export async function runParallel(request: CoordinationRequest, context: CoordinationContext): Promise<ParallelResult> {
  const runner = new TurnRunner(context);
  const participants = await Promise.all(request.participantIds.map((id) => context.port.describe(id)));
  const coordinator = request.coordinatorId !== undefined && request.options.synthesize !== false ? await context.port.describe(request.coordinatorId) : undefined;
  runner.expect(participants.length + (coordinator ? 1 : 0));

  // The participants get the task verbatim, as if it had been sent to each of them directly.
  const results = await Promise.all(participants.map(async (p) => participantResult(p, await runner.run(p, request.task, 'replied'))));
  const synthesis = coordinator ? await synthesize(runner, coordinator, request.task, results, 'parallel') : null;

  const allReplied = results.every((r) => r.status === 'completed');
  const success = allReplied && (synthesis === null || synthesis.status === 'completed');
  const summary = `${runner.cancelled ? 'Cancelled. ' : ''}Parallel run: ${describeOutcomes(results)}.${describeSynthesis(synthesis)} ${describeTally(runner.tally)}.`;
  runner.finish(summary);
  return {
    coordination_type: 'parallel',
    success,
    summary,
    ...tallyFields(runner.tally),
    results,
    synthesis,
    final_answer: synthesis?.status === 'completed' ? (synthesis.reply ?? null) : null,
  };
}
