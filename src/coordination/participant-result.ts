import type { TurnAttempt } from './turn-runner.js';
import type { ParticipantInfo, ParticipantResult } from './types.js';

/** A participant's part in a run, from how its turn ended. */
export function participantResult(who: ParticipantInfo, attempt: TurnAttempt): ParticipantResult {
  const base = { instance_id: who.instance_id, name: who.name, role: who.role };
  if (attempt.status !== 'completed') return { ...base, status: attempt.status, error: attempt.error };
  const { reply, usage, cost_usd, duration_ms, evidence, verification } = attempt.outcome;
  return { ...base, status: 'completed', reply, usage, cost_usd, duration_ms, ...(evidence ? { evidence } : {}), ...(verification ? { verification } : {}) };
}

/** A participant that was not asked, and why: `skipped` by the pattern's rules, or `cancelled` by an abort. */
export function notRunResult(who: ParticipantInfo, reason: string, status: 'skipped' | 'cancelled' = 'skipped'): ParticipantResult {
  return { instance_id: who.instance_id, name: who.name, role: who.role, status, error: reason };
}

/** Counts results by status, e.g. for summaries. */
export function countByStatus(results: readonly ParticipantResult[]): Record<ParticipantResult['status'], number> {
  const counts = { completed: 0, failed: 0, cancelled: 0, skipped: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** "2 of 3 replied; failed: Bo (backend_developer); skipped: Cy (debugger)" for summaries. */
export function describeOutcomes(results: readonly ParticipantResult[]): string {
  const counts = countByStatus(results);
  const parts = [`${counts.completed} of ${results.length} replied`];
  for (const status of ['failed', 'cancelled', 'skipped'] as const) {
    const who = results.filter((r) => r.status === status).map((r) => `${r.name} (${r.role})`);
    if (who.length > 0) parts.push(`${status}: ${who.join(', ')}`);
  }
  return parts.join('; ');
}
