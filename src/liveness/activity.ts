import type { ReportedActivity } from '../backends/backend.js';

/**
 * What an instance is doing now. `thinking`: a model call in flight or streaming; `running_tool`: a tool runs
 * (its name and since when); `waiting_for_approval`: a permission ask is open; `waiting_for_rate_limit`: a
 * retry-after, 429 or 529 wait; `idle`: no turn; `stalled`: in a turn, but nothing came (no stream bytes, no
 * tool event) for longer than STALL_TIMEOUT_SECONDS; `dead`: the instance failed, its node is gone, or its agent
 * process died under its last turn (until its next turn starts one again).
 */
export type Activity = ReportedActivity | 'waiting_for_approval' | 'idle';

export const ACTIVITIES: readonly Activity[] = ['thinking', 'running_tool', 'waiting_for_approval', 'waiting_for_rate_limit', 'idle', 'stalled', 'dead'];

/** What status, list and REST show of an instance's activity (snake_case, as the rest of the view). */
export interface ActivityView {
  state: Activity;
  /** When this activity began (ISO). */
  since: string;
  /** The last sign of life: a stream chunk, a tool event, a turn's start or end (ISO). */
  last_activity_at: string;
  /** Whole seconds since `since` (for running_tool: how long the tool has run). */
  seconds: number;
  /** running_tool: the tool's name. */
  tool?: string;
  /** The turn runs on another server: this is what the stored state shows, not a live observation. */
  remote?: true;
}

/** One line for people: "running_tool Bash (42s)", "thinking (3s)", "idle". */
export function activityLine(view: Pick<ActivityView, 'state' | 'seconds' | 'tool'>): string {
  if (view.state === 'idle' || view.state === 'dead') return view.state;
  return `${view.state}${view.tool !== undefined ? ` ${view.tool}` : ''} (${view.seconds}s)`;
}
