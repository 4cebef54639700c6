import { describe, expect, it } from 'vitest';
import { EventBus } from '../orchestrator/events.js';
import type { TaskSnapshot } from '../tasks/task-types.js';
import { ActivityTracker } from './activity-tracker.js';
import { progressActivity, workingParticipants } from './progress-activity.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function run(ids: string[]): TaskSnapshot {
  return {
    task_id: 'task_1',
    kind: 'coordinate',
    state: 'working',
    label: 'parallel run',
    progress: { message: 'started', completed_turns: 0, total_turns: ids.length, tokens: 0, updated_at: new Date(T0).toISOString(), participants: ids.map((id, n) => ({ instance_id: id, state: n === 0 ? 'done' : 'working', turns: 0, tokens: 0 })) },
    created_at: new Date(T0).toISOString(),
    finished_at: null,
  };
}

describe('progressActivity', () => {
  const now = T0 + 12_000;
  const events = new EventBus((error) => {
    throw error;
  });
  const activity = new ActivityTracker({ events, now: () => now, stallMs: 60_000 });
  activity.start();

  it("names what each working participant does, a few at most, and follows their changes", async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) events.publish({ type: 'turn.started', at: '', instanceId: id, seq: 1, chars: 1 });
    activity.report('b', 'running_tool', 'Bash');
    const source = progressActivity({ activity, events }, workingParticipants);
    const snapshot = run(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(source.describe(snapshot)).toBe('b: running_tool Bash (0s); c: thinking (0s); d: thinking (0s); +2 more');
    expect(progressActivity({ activity, events }, () => ['b']).describe(snapshot)).toBe('running_tool Bash (0s)');
    expect(progressActivity({ activity, events }, () => ['nobody']).describe(snapshot)).toBeUndefined();

    await Promise.resolve(); // the changes so far are published before following starts
    let changes = 0;
    const stop = source.follow(() => snapshot, () => (changes += 1));
    activity.report('a', 'running_tool', 'Read'); // not working in this run: not followed
    activity.report('c', 'running_tool', 'Write');
    await Promise.resolve();
    stop();
    activity.report('d', 'running_tool', 'Write');
    expect(changes).toBe(1);
  });
});
