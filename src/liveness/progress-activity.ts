import type { EventBus } from '../orchestrator/events.js';
import type { TaskSnapshot } from '../tasks/task-types.js';
import { activityLine } from './activity.js';
import type { ActivityTracker } from './activity-tracker.js';

/** Where a task's progress notifications get the activity of the instances it runs. */
export interface ProgressActivity {
  /** "running_tool Bash (12s)" for one instance; "<id>: …; <id>: …" for several; undefined when none is live here. */
  describe(snapshot: TaskSnapshot): string | undefined;
  /** Calls `onChange` when the activity of one of the task's instances changes; returns the function that stops it. */
  follow(snapshot: () => TaskSnapshot | undefined, onChange: () => void): () => void;
}

/** Instances named per progress line, at most: the line stays short however wide the fan-out. */
const MAX_LISTED = 3;

/** The activity of the instances `idsOf` picks from a task (a send's instance, a run's working participants). */
export function progressActivity(source: { readonly activity: ActivityTracker; readonly events: EventBus }, idsOf: (snapshot: TaskSnapshot) => readonly string[]): ProgressActivity {
  return {
    describe(snapshot) {
      const ids = idsOf(snapshot);
      const lines = ids.flatMap((id) => {
        const view = source.activity.live(id);
        return view ? [{ id, line: activityLine(view) }] : [];
      });
      if (lines.length === 0) return undefined;
      if (ids.length === 1) return lines[0]?.line;
      const shown = lines.slice(0, MAX_LISTED).map((l) => `${l.id}: ${l.line}`);
      return `${shown.join('; ')}${lines.length > MAX_LISTED ? `; +${lines.length - MAX_LISTED} more` : ''}`;
    },
    follow(snapshot, onChange) {
      return source.events.subscribe((event) => {
        if (event.type !== 'activity.changed') return;
        const current = snapshot();
        if (current !== undefined && idsOf(current).includes(event.instanceId)) onChange();
      });
    },
  };
}

/** A coordination run's participants with a turn running now. */
export function workingParticipants(snapshot: TaskSnapshot): readonly string[] {
  return (snapshot.progress.participants ?? []).filter((p) => p.state === 'working').map((p) => p.instance_id);
}
