/** The shapes of tasks: what get_task shows and what work reports. */

import type { JournalEntry } from './turn-journal.js';

export type TaskState = 'working' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type TaskKind = 'send' | 'coordinate';

export interface TaskProgress {
  message: string;
  completed_turns: number;
  total_turns: number | null;
  tokens: number;
  updated_at: string;
  /** A coordination run's instances (coordinator first), each with where its turns are. */
  participants?: ParticipantProgress[];
}

/** One instance's part in a coordination run: `working` while one of its turns runs. */
export type ParticipantState = 'waiting' | 'working' | 'done' | 'failed';

export interface ParticipantProgress {
  instance_id: string;
  state: ParticipantState;
  /** Its turns in this run that completed. */
  turns: number;
  tokens: number;
}

/** What get_task returns: plain JSON. `result` is the tool's normal result once the task completed. */
export interface TaskSnapshot {
  task_id: string;
  kind: TaskKind;
  state: TaskState;
  label: string;
  progress: TaskProgress;
  created_at: string;
  finished_at: string | null;
  result?: object;
  /** `details`: the failure's own (e.g. retry_after_seconds when the API asked to wait), kept for the caller. */
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export interface ProgressReport {
  /** What just happened; absent to only add tokens. */
  readonly message?: string;
  readonly completedTurns?: number;
  readonly totalTurns?: number;
  /** Tokens used by this step, added to the task's running total. */
  readonly addTokens?: number;
  /** Instances taking part, listed as `waiting` (once, when the run starts). */
  readonly participants?: readonly string[];
  /** Where one participant is now; `done` counts a completed turn and adds `tokens` to its own total. */
  readonly participant?: { readonly instance_id: string; readonly state: ParticipantState; readonly tokens?: number };
  /** A finished turn to store with the task, so a resumed run reuses it (never shown by get_task). */
  readonly journal?: JournalEntry;
}
