import type { PlannedSubtask } from './plan.js';
import type { CoordinationResultBase, ParticipantInfo, ParticipantResult } from './types.js';

/** The result shapes of a hierarchical run (a run's sub-tasks may hold nested runs, so they live together). */

export interface PlanAttempt {
  attempt: number;
  status: 'valid' | 'invalid' | 'failed' | 'cancelled';
  /** Why the plan was not usable (validation errors), or why the turn failed; empty when valid. */
  errors: string[];
  /** The coordinator's reply when it was not a valid plan (truncated), so the user can see what it said. */
  reply?: string;
}

export interface HierarchicalResult extends CoordinationResultBase {
  coordination_type: 'hierarchical';
  coordinator: ParticipantInfo;
  /** 1 for the run that was asked for; 2 for a run nested in one of its sub-tasks, and so on. */
  level: number;
  plan_attempts: PlanAttempt[];
  /** The validated plan, or null when the coordinator did not produce one. */
  plan: PlannedSubtask[] | null;
  /** Sub-task ids per wave, in the order the waves ran; each wave ran in parallel. */
  waves: string[][];
  /** One entry per planned sub-task, in plan order. */
  subtasks: SubtaskResult[];
  /** The coordinator's integration turn; null when there was no plan. */
  integration: ParticipantResult | null;
  final_answer: string | null;
}

/** One planned sub-task's outcome: who did it, and its reply or why there is none. */
export interface SubtaskResult extends ParticipantResult {
  subtask_id: string;
  description: string;
  depends_on: string[];
  /** 1-based wave the sub-task ran in. */
  wave: number;
  /** When the assignee delegated to its own children: that nested run (its answer is this `reply`). */
  nested?: HierarchicalResult;
}
