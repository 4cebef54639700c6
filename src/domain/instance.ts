import { OrchestratorError } from './errors.js';
import type { RoleId } from './roles.js';
import type { Usage } from './usage.js';
import type { Evidence, ShellOutcome, Verification } from '../evidence/types.js';

/** Lifecycle states. `failed` can be entered from any live state; terminated and failed are final. */
export type InstanceState = 'spawning' | 'idle' | 'busy' | 'terminating' | 'terminated' | 'failed';

/** Why an instance changed state the way it did; recorded with every transition. */
export type TransitionReason =
  | 'spawned'
  | 'ready'
  | 'turn_started'
  | 'turn_finished'
  | 'requested'
  | 'limit:tokens'
  | 'limit:cost'
  | 'timeout'
  | 'parent_terminated'
  | 'shutdown'
  | 'error';

const TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  spawning: ['idle', 'failed', 'terminating'],
  idle: ['busy', 'terminating', 'failed'],
  busy: ['idle', 'terminating', 'failed'],
  terminating: ['terminated', 'failed'],
  terminated: [],
  failed: [],
};

export const LIVE_STATES: readonly InstanceState[] = ['spawning', 'idle', 'busy', 'terminating'];

export function isLive(state: InstanceState): boolean {
  return LIVE_STATES.includes(state);
}

export function canTransition(from: InstanceState, to: InstanceState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `invalid_state` when the move is not in the table; the one place transitions are judged. */
export function assertTransition(id: string, from: InstanceState, to: InstanceState): void {
  if (!canTransition(from, to)) {
    throw new OrchestratorError('invalid_state', `Instance ${id} cannot go from ${from} to ${to}.`, { from, to });
  }
}

export interface InstanceLimits {
  readonly maxTotalTokens: number;
  /** In nano-dollars; null means no per-instance cost cap. */
  readonly maxCostNanos: number | null;
  readonly timeoutMinutes: number;
}

/** Everything the orchestrator knows about one instance. The store's row; plain data. */
export interface InstanceRecord {
  readonly id: string;
  readonly name: string;
  readonly role: RoleId;
  readonly model: string;
  /** The kind of backend that runs it (see backends/registry.ts). */
  readonly backend: string;
  readonly customSystemPrompt: string | null;
  readonly systemPrompt: string;
  readonly parentId: string | null;
  /** 0 for a root instance, parent's depth + 1 for a child. */
  readonly depth: number;
  /** Whether its turns get tools to spawn, message and read child instances. */
  readonly allowDelegation: boolean;
  readonly workspace: string;
  readonly keepWorkspace: boolean;
  readonly limits: InstanceLimits;
  readonly createdAt: string;
  readonly state: InstanceState;
  readonly stateReason: TransitionReason;
  readonly stateChangedAt: string;
  readonly usage: Usage;
  /** Summed nano-dollars; null once any turn had an unknown price (unknown is never 0). */
  readonly costNanos: number | null;
  /** What prompt caching saved, summed per turn in nano-dollars (negative while writes outweigh reads); null if unpriced. */
  readonly cacheSavingsNanos: number | null;
  readonly turns: number;
  readonly totalResponseMs: number;
  readonly lastResponseMs: number | null;
  readonly errorCount: number;
  readonly lastError: string | null;
  /** What this instance and all its descendants have spent (recorded calls): what its budgets count. */
  readonly subtree: { readonly tokens: number; readonly costNanos: number };
  /** Holds of model calls in flight in this instance's subtree. */
  readonly held: { readonly tokens: number; readonly nanos: number };
  /** Failed turns since the last good one; feeds the health score. */
  readonly consecutiveFailures: number;
  /** What a backend needs to resume the instance's session after a restart (JSON), e.g. a Claude Code session id. */
  readonly backendState: string | null;
  /** Spawn-time options of its backend (JSON): e.g. the repository a claude-code worktree comes from, its permissions. */
  readonly backendOptions: string | null;
  /**
   * The owner id of the node that hosts its agent and workspace (a `claude-code` instance); null when any
   * node may run its turns (an `api` instance: its conversation lives in the store).
   */
  readonly node: string | null;
}

export type MessageRole = 'user' | 'assistant';

/** One entry of an instance's conversation. Assistant entries carry the turn's accounting. */
export interface ConversationMessage {
  readonly seq: number;
  readonly role: MessageRole;
  readonly content: string;
  readonly at: string;
  readonly usage?: Usage;
  readonly costNanos?: number | null;
  readonly durationMs?: number;
  readonly stopReason?: string | null;
  readonly model?: string;
  /** Delegation tool calls made during this (assistant) turn. */
  readonly toolCalls?: ReadonlyArray<{ readonly name: string; readonly input: unknown; readonly isError: boolean; readonly result: string; readonly shell?: ShellOutcome }>;
  /** What the agent did in this (assistant) turn: tool calls, files, commands, model calls, tokens (src/evidence). */
  readonly evidence?: Evidence;
  /** Agents that work through tools: whether what the turn did backs its reply. */
  readonly verification?: Verification;
  /** Retries the backend made for this turn (rate limits, overload, resets). */
  readonly retries?: number;
  /** Set on a user message whose turn did not complete; such messages are not sent to the model again. */
  readonly failed?: boolean;
  readonly error?: string;
}
