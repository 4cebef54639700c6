import type { ParticipantProgress, ProgressReport } from './task-types.js';

/**
 * A coordination run's participants after one progress report: newly listed ones join as `waiting`, a
 * participant's own update moves it (a completed turn counts, with its tokens). Undefined while the task has
 * none (a send).
 */
export function nextParticipants(current: readonly ParticipantProgress[] | undefined, update: ProgressReport): ParticipantProgress[] | undefined {
  if (!update.participants && !update.participant) return current ? [...current] : undefined;
  const list = (current ?? []).map((p) => ({ ...p }));
  for (const id of update.participants ?? []) {
    if (!list.some((p) => p.instance_id === id)) list.push({ instance_id: id, state: 'waiting', turns: 0, tokens: 0 });
  }
  const change = update.participant;
  if (change) {
    let entry = list.find((p) => p.instance_id === change.instance_id);
    if (!entry) {
      // A hierarchical run may hand work to a coordinator's child that was not listed at the start.
      entry = { instance_id: change.instance_id, state: 'waiting', turns: 0, tokens: 0 };
      list.push(entry);
    }
    entry.state = change.state;
    if (change.state === 'done') entry.turns += 1;
    entry.tokens += change.tokens ?? 0;
  }
  return list;
}
