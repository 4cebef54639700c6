/**
 * What an agent actually did in a turn, taken from its own tool events and from the workspace on disk, never
 * from what its reply says. The shapes are the JSON every result carries (snake_case), stored as they are.
 */

/** A file the turn changed, as it is on disk after the turn. */
export interface FileEvidence {
  /** Workspace-relative; absolute when outside the workspace. */
  path: string;
  /** Size after the turn; null when the file is gone. */
  bytes: number | null;
  /** Of the content after the turn; null when the file is gone, not a regular file, or past the hashing limits (file-evidence.ts). */
  sha256: string | null;
  /** The turn removed it. */
  deleted?: true;
  /** Lines added and removed, in a git worktree (absent for binary files and plain directories). */
  added?: number;
  removed?: number;
}

/** A shell command the agent ran (Claude Code's Bash tool), with the exit code its CLI reported. */
export interface CommandEvidence {
  command: string;
  /** 0 or the code the CLI reported; null when it did not finish in the turn (background), did not run, or its code is unknown. */
  exit_code: number | null;
  /** Started in the background: still running when the turn ended. */
  background?: true;
  /** The CLI's word when the code alone would mislead: "No matches found" (grep's 1), interrupted, or why it did not run. */
  note?: string;
}

export interface Evidence {
  /** Tool calls by name, with how many times each was called. */
  tool_calls: Record<string, number>;
  files: FileEvidence[];
  commands: CommandEvidence[];
  /** Model calls the turn made (each held against the budgets). */
  model_calls: number;
  tokens: number;
}

/**
 * Whether what an agent that works through tools did backs its reply. A plain conversation (no tools)
 * carries none: its turns are text.
 */
export interface Verification {
  status: 'verified' | 'unverified';
  /** What backs it ("2 files changed, 1 command exited 0") or why nothing does. */
  reason: string;
}

/** How one shell call ended, as the Claude Code CLI reported it (internal; becomes a CommandEvidence). */
export interface ShellOutcome {
  readonly exitCode: number | null;
  readonly background: boolean;
  readonly note?: string;
}
