import type { UsageView } from '../domain/usage.js';
import type { RunEvidence } from '../evidence/evidence-sum.js';
import type { Evidence, Verification } from '../evidence/types.js';

/** Who takes part in a coordination run. */
export interface ParticipantInfo {
  readonly instance_id: string;
  readonly name: string;
  readonly role: string;
}

/** The outcome of one successful turn, as strategies see it. */
export interface TurnOutcome {
  readonly instance_id: string;
  readonly reply: string;
  readonly usage: UsageView;
  readonly cost_usd: number | null;
  readonly duration_ms: number;
  /** What the agent did (absent from a port that has none, e.g. a scripted fake). */
  readonly evidence?: Evidence;
  readonly verification?: Verification;
}

/**
 * What a strategy may do with instances. The orchestrator implements it over its real turn machinery
 * (per-instance queue, limits, accounting); tests may implement it with a scripted fake.
 */
export interface CoordinationPort {
  /** One turn with an instance, queued behind its other turns. Throws OrchestratorError on failure. */
  send(instanceId: string, message: string, signal: AbortSignal): Promise<TurnOutcome>;
  /** Name and role of an instance; throws `not_found` for an unknown id. */
  describe(instanceId: string): Promise<ParticipantInfo>;
  /** Live children of an instance (hierarchical runs may delegate to them, depth permitting). */
  childrenOf(instanceId: string): Promise<readonly ParticipantInfo[]>;
}

/** A step of progress, reported as it happens (participant done, phase change). */
export interface ProgressUpdate {
  readonly message: string;
  /** Turns finished so far in this run. */
  readonly completedTurns?: number;
  /** Turns the run expects in all, when known. */
  readonly totalTurns?: number;
}

export interface CoordinationContext {
  readonly port: CoordinationPort;
  /** Aborted on cancel_task, the run's timeout, or shutdown. Strategies stop starting turns and return. */
  readonly signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  /** Most turns in flight at once within this run. */
  readonly maxConcurrency: number;
}

export type CoordinationType = 'parallel' | 'sequential' | 'hierarchical' | 'consensus';

/** One participant's part in a run: what it was asked, and its reply or why there is none. */
export interface ParticipantResult {
  instance_id: string;
  name: string;
  role: string;
  status: 'completed' | 'failed' | 'cancelled' | 'skipped';
  reply?: string;
  error?: string;
  usage?: UsageView;
  cost_usd?: number | null;
  duration_ms?: number;
  /** What the participant did in this turn, and whether it backs the reply (agents that work through tools). */
  evidence?: Evidence;
  verification?: Verification;
}

/** A validated request: ids exist and are live, the coordinator is not a participant, no duplicates. */
export interface CoordinationRequest {
  readonly coordinatorId?: string;
  readonly participantIds: readonly string[];
  readonly task: string;
  readonly options: CoordinationOptions;
}

export interface CoordinationOptions {
  /** consensus: most voting rounds after the proposals (default 3). */
  readonly maxRounds?: number;
  /** consensus: share of votes one proposal needs, 0 < quorum <= 1 (default 0.5, i.e. a strict majority). */
  readonly quorum?: number;
  /** hierarchical: how many levels below the coordinator may decompose again (default 1: none). */
  readonly maxDepth?: number;
  /** parallel: have the coordinator synthesise one answer (default true when a coordinator is given). */
  readonly synthesize?: boolean;
}

/** Every strategy's result carries its type, a one-paragraph summary and the usage it caused. */
export interface CoordinationResultBase {
  coordination_type: CoordinationType;
  /** true when the run did what it was asked (all participants answered, quorum reached, plan executed...). */
  success: boolean;
  summary: string;
  turns: number;
  usage: UsageView;
  cost_usd: number | null;
  /** What every agent of the run did, summed per agent and for the run. */
  evidence: RunEvidence;
}
