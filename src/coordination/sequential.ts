import { describeOutcomes, participantResult, notRunResult } from './participant-result.js';
import { label, sequentialStepPrompt } from './prompts.js';
import { describeSynthesis, synthesize } from './synthesis.js';
import { TurnRunner } from './turn-runner.js';
import type { CoordinationContext, CoordinationRequest, CoordinationResultBase, ParticipantResult } from './types.js';
import { describeTally, tallyFields } from './usage-sum.js';

export interface SequentialResult extends CoordinationResultBase {
  coordination_type: 'sequential';
  /** One entry per participant, in chain order; after a failure the rest are `skipped`. */
  results: ParticipantResult[];
  /** The coordinator's synthesis turn; null without a coordinator, `skipped` when the chain broke. */
  synthesis: ParticipantResult | null;
  /** The synthesis, or without a coordinator the last step's reply; null when the chain broke. */
  final_answer: string | null;
}

/**
 * Participants in order; step k sees the task and the replies of steps 1..k-1. A failure stops the chain
 * and the remaining participants are `skipped` (or `cancelled` after an abort). An optional coordinator
 * combines the chain's work once it has completed.
 */
export async function runSequential(request: CoordinationRequest, context: CoordinationContext): Promise<SequentialResult> {
  const runner = new TurnRunner(context);
  const participants = await Promise.all(request.participantIds.map((id) => context.port.describe(id)));
  const coordinator = request.coordinatorId !== undefined && request.options.synthesize !== false ? await context.port.describe(request.coordinatorId) : undefined;
  runner.expect(participants.length + (coordinator ? 1 : 0));

  const results: ParticipantResult[] = [];
  let broken: ParticipantResult | undefined;
  for (const [i, p] of participants.entries()) {
    if (broken) {
      const reason = broken.status === 'cancelled' ? 'The run was cancelled before this step.' : `Not run: the chain stopped at step ${results.indexOf(broken) + 1}, ${label(broken)} (${broken.status}).`;
      results.push(notRunResult(p, reason, broken.status === 'cancelled' ? 'cancelled' : 'skipped'));
      continue;
    }
    const message = sequentialStepPrompt(request.task, results, i + 1, participants.length);
    const result = participantResult(p, await runner.run(p, message, `finished step ${i + 1}`));
    results.push(result);
    if (result.status !== 'completed') {
      broken = result;
      runner.expect(-(participants.length - i - 1) - (coordinator ? 1 : 0));
    }
  }

  let synthesis: ParticipantResult | null = null;
  if (coordinator) {
    synthesis = broken
      ? notRunResult(coordinator, 'Not run: the chain did not complete.', broken.status === 'cancelled' ? 'cancelled' : 'skipped')
      : await synthesize(runner, coordinator, request.task, results, 'sequential');
  }

  const last = results.at(-1);
  const finalAnswer = broken ? null : synthesis ? (synthesis.status === 'completed' ? (synthesis.reply ?? null) : null) : (last?.reply ?? null);
  const success = !broken && (synthesis === null || synthesis.status === 'completed');
  const stopped = broken ? ` The chain stopped at ${label(broken)}: ${broken.error ?? broken.status}.` : '';
  const summary = `${runner.cancelled ? 'Cancelled. ' : ''}Sequential run: ${describeOutcomes(results)}.${stopped}${describeSynthesis(synthesis)} ${describeTally(runner.tally)}.`;
  runner.finish(summary);
  return {
    coordination_type: 'sequential',
    success,
    summary,
    ...tallyFields(runner.tally),
    results,
    synthesis,
    final_answer: finalAnswer,
  };
}
