import type { MessageRole } from '../domain/instance.js';
import type { Usage } from '../domain/usage.js';
import type { FileEvidence, ShellOutcome } from '../evidence/types.js';
import type { CallBudget } from './call-budget.js';

/** What a backend needs to start a conversation for one instance. */
export interface SessionSpec {
  readonly instanceId: string;
  readonly model: string;
  readonly systemPrompt: string;
  readonly workspace: string;
  /** The spawn options of this backend the instance was spawned with (its descriptor's spawnOptions), validated at spawn. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The last TurnResult.backendState saved for the instance, to resume its session after a restart. */
  readonly backendState?: string | null;
}

/** One turn: the conversation so far (from the store, the orchestrator's only memory) and the new message. */
export interface TurnInput {
  readonly history: ReadonlyArray<{ readonly role: MessageRole; readonly content: string }>;
  readonly message: string;
  /** Tools the instance may call during the turn (delegation); executed through TurnOptions.executeTool. */
  readonly tools?: readonly AgentTool[];
}

/** A tool offered to the model, in the Messages API's shape. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  readonly input_schema: { readonly type: 'object'; readonly properties: Record<string, unknown>; readonly required?: readonly string[] };
}

export interface ToolExecution {
  readonly content: string;
  readonly isError: boolean;
  /** message_instance: whether the child's reply was backed by what it did (its turn's verification). */
  readonly childVerification?: 'verified' | 'unverified';
}

/** One tool call made during a turn, kept with the turn's reply. */
export interface ToolCallRecord {
  readonly name: string;
  readonly input: unknown;
  readonly isError: boolean;
  /** The result as given to the model, shortened for the record. */
  readonly result: string;
  /** claude-code's Bash: how the command ended, as the CLI reported it (evidence). */
  readonly shell?: ShellOutcome;
  /** A delegation call that messaged a child: the child's turn's verification (evidence). */
  readonly childVerification?: 'verified' | 'unverified';
}

export type BackendEvent =
  | { readonly type: 'text'; readonly text: string }
  /** A model call failed and is retried after `afterMs` (rate limit, overload, reset). */
  | { readonly type: 'retry'; readonly retry: number; readonly afterMs: number; readonly reason: string }
  /** The API said slow down: `reason` is the status (429, 529) or the stream's error type (overloaded_error, rate_limit_error). */
  | { readonly type: 'rate_limited'; readonly reason: string; readonly retryAfterMs: number | null }
  /**
   * What the session does now, for liveness (src/liveness): a model call in flight or streaming (`thinking`),
   * a tool running (`running_tool` with its name), a wait for a rate limit, a stream gone silent (`stalled`).
   * Reporting the same activity again is a sign of life (stream bytes), cheap and never published.
   */
  | { readonly type: 'activity'; readonly activity: ReportedActivity; readonly tool?: string };

/** The activities a backend reports (`dead`: its agent process died mid-turn); the orchestrator adds idle and waiting_for_approval. */
export type ReportedActivity = 'thinking' | 'running_tool' | 'waiting_for_rate_limit' | 'stalled' | 'dead';

export interface TurnOptions {
  readonly signal: AbortSignal;
  /** What is left of the turn's time (ms): a backend refuses a wait longer than this at once, saying when to retry. */
  readonly remainingMs?: () => number;
  /** Every model call of the turn takes a hold here first and settles it with the call's usage (see call-budget.ts). */
  readonly calls: CallBudget;
  readonly onEvent?: (event: BackendEvent) => void;
  /** Runs a tool the model called; required when TurnInput.tools is given. Never throws: errors are results. */
  readonly executeTool?: (name: string, input: unknown, signal: AbortSignal) => Promise<ToolExecution>;
  /** claude-code: asks the user about a tool call the policy leaves open (MCP elicitation). Absent: such calls are denied. */
  readonly askPermission?: AskPermission;
}

/** An agent asks to use a tool its permission policy doesn't settle. */
export interface PermissionRequest {
  readonly tool: string;
  readonly input: unknown;
  /** Why it is asked, for the user, e.g. "Write would reach /etc/hosts, outside the instance's workspace". */
  readonly reason: string;
  /** Who asks, root first: "Lead (inst_…) → Coder (inst_…)" (set by the approvals gate, src/approvals). */
  readonly agentPath?: string;
}

export interface PermissionAnswer {
  readonly allow: boolean;
  /** Passed on to the agent with a refusal. */
  readonly message?: string;
  /** With allow: later asks for the same tool by this instance are allowed without asking. */
  readonly forInstance?: boolean;
}

/** Settles one permission request; `signal` aborts when the backend stops waiting (timeout, cancelled turn). */
export type AskPermission = (request: PermissionRequest, signal: AbortSignal) => Promise<PermissionAnswer>;

/** A tool call refused during a turn, and why. */
export interface PermissionDenial {
  readonly tool: string;
  readonly input: unknown;
  readonly reason: string;
}

export interface TurnResult {
  readonly text: string;
  readonly usage: Usage;
  readonly stopReason: string | null;
  readonly durationMs: number;
  /** The model that answered, as the API reports it. */
  readonly model: string;
  /** Tool calls made during the turn, in order (empty without tools). */
  readonly toolCalls: readonly ToolCallRecord[];
  /** Times a model call of this turn was retried (rate limits, overload, resets). */
  readonly retries?: number;
  /** What the backend needs to resume this session after a restart (JSON), saved with the turn. */
  readonly backendState?: string;
  /** claude-code: files the agent changed during the turn (workspace-relative; absolute when outside it). */
  readonly changedFiles?: readonly string[];
  /** claude-code, every turn: the changed files as read from disk after it (size, sha256, line stats); says the agent works through tools. */
  readonly fileEvidence?: readonly FileEvidence[];
  /** claude-code: tool calls refused during the turn, with the reason. */
  readonly permissionDenials?: readonly PermissionDenial[];
  /** claude-code: the agent's own cost figure for the turn (USD), to compare with ours. */
  readonly agentCostUsd?: number;
}

export interface Session {
  turn(input: TurnInput, options: TurnOptions): Promise<TurnResult>;
  /** Stops what runs for the session (shutdown, or before terminate); the instance may be resumed later. */
  close(): Promise<void>;
  /** The instance is terminated: also releases what close keeps for a resume (claude-code commits and removes its worktree). */
  terminate?(): Promise<void>;
}

/** The seam between the orchestrator and whatever runs a conversation. */
export interface Backend {
  readonly kind: string;
  /** Throws `not_configured` with what to do when the backend cannot run (e.g. no API key). */
  assertReady(): void;
  start(spec: SessionSpec): Promise<Session>;
  /** Frees what a terminated instance kept when no session of it is open (claude-code: commits and removes its worktree). */
  release?(spec: SessionSpec): Promise<void>;
  /** Checks spawn options early, with a clear error (e.g. that a repository is a git repository). */
  validateSpawn?(spec: SessionSpec): Promise<void>;
  /** The health check's part for this backend (claude-code: ends agent processes whose server is gone). */
  healthCheck?(): Promise<void>;
  /** Stops everything the backend runs (server shutdown); sessions stay resumable. */
  shutdown?(): Promise<void>;
}
