import { participantResult, notRunResult } from './participant-result.js';
import { synthesisPrompt } from './prompts.js';
import type { TurnRunner } from './turn-runner.js';
import type { ParticipantInfo, ParticipantResult } from './types.js';

/**
 * The coordinator's turn that combines the members' replies into one answer (parallel and sequential).
 * Skipped when no member replied: there is nothing to combine, and a turn would only cost money.
 */
export async function synthesize(
  runner: TurnRunner,
  coordinator: ParticipantInfo,
  task: string,
  results: readonly ParticipantResult[],
  mode: 'parallel' | 'sequential',
): Promise<ParticipantResult> {
  if (runner.cancelled) return notRunResult(coordinator, 'The run was cancelled before the synthesis.', 'cancelled');
  if (!results.some((r) => r.status === 'completed')) {
    return notRunResult(coordinator, 'No participant replied, so there was nothing to synthesise.');
  }
  const attempt = await runner.run(coordinator, synthesisPrompt(task, results, mode), 'synthesised the answer');
  return participantResult(coordinator, attempt);
}

/** A sentence about the synthesis for a summary, or '' when none was asked for. */
export function describeSynthesis(synthesis: ParticipantResult | null): string {
  if (synthesis === null) return '';
  const who = `${synthesis.name} (${synthesis.role})`;
  if (synthesis.status === 'completed') return ` ${who} synthesised the final answer.`;
  return ` Synthesis by ${who} ${synthesis.status}: ${synthesis.error ?? 'no reply'}.`;
}
