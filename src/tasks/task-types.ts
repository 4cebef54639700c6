/** The shapes of tasks: what get_task shows and what work reports. */

export type TaskState = 'working' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type TaskKind = 'send' | 'coordinate';

export interface TaskProgress {
  message: string;
  completed_turns: number;
  total_turns: number | null;
  tokens: number;
  updated_at: string;
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
  error?: { code: string; message: string };
}

export interface ProgressReport {
  /** What just happened; absent to only add tokens. */
  readonly message?: string;
  readonly completedTurns?: number;
  readonly totalTurns?: number;
  /** Tokens used by this step, added to the task's running total. */
  readonly addTokens?: number;
}
