import { z } from 'zod';
import { parseStructured, type Structured } from './structured-output.js';
import type { ParticipantInfo } from './types.js';

/**
 * Most sub-tasks one plan may hold. Each is a paid turn; a plan longer than this is far more likely a
 * model that lost the thread than a useful decomposition, and the retry tells it to merge sub-tasks.
 */
export const MAX_SUBTASKS = 25;

/** One validated sub-task of a coordinator's plan (the JSON the coordinator is asked for). */
export interface PlannedSubtask {
  readonly id: string;
  /** An instance id among the participants. */
  readonly assignee: string;
  readonly description: string;
  readonly depends_on: readonly string[];
}

const subtaskShape = z.object({
  id: z.string().trim().min(1, 'must be a non-empty id such as "t1"').max(100),
  assignee: z.string().trim().min(1, 'must be the id of one of the team members'),
  description: z.string().trim().min(1, 'must say what to do'),
  depends_on: z.array(z.string().trim()).default([]),
});

const planShape = z.object({
  subtasks: z.array(subtaskShape).min(1, 'the plan needs at least one sub-task').max(MAX_SUBTASKS, `at most ${MAX_SUBTASKS} sub-tasks: merge related work`),
});

/**
 * The plan schema for one team: shape first, then the rules that need the team and the whole plan (unique
 * ids, known assignees, known dependencies, no cycles). An assignee given by a member's exact name instead
 * of its id is accepted when the name is unambiguous, since models sometimes copy the wrong column.
 */
export function planSchema(team: readonly ParticipantInfo[]) {
  return planShape
    .transform((plan) => ({ subtasks: plan.subtasks.map((s) => ({ ...s, assignee: resolveAssignee(s.assignee, team) })) }))
    .superRefine((plan, ctx) => {
      const ids = new Set<string>();
      plan.subtasks.forEach((s, i) => {
        if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['subtasks', i, 'id'], message: `duplicate id "${s.id}": ids must be unique` });
        ids.add(s.id);
        if (!team.some((m) => m.instance_id === s.assignee)) {
          ctx.addIssue({ code: 'custom', path: ['subtasks', i, 'assignee'], message: `"${s.assignee}" is not a team member; use one of ${team.map((m) => m.instance_id).join(', ')}` });
        }
      });
      plan.subtasks.forEach((s, i) => {
        for (const dep of s.depends_on) {
          if (!ids.has(dep)) ctx.addIssue({ code: 'custom', path: ['subtasks', i, 'depends_on'], message: `"${dep}" is not the id of any sub-task` });
        }
      });
      const cycle = findCycle(plan.subtasks);
      if (cycle) ctx.addIssue({ code: 'custom', path: ['subtasks'], message: `depends_on forms a cycle (${cycle.join(' -> ')}); sub-tasks must not depend on each other in a loop` });
    });
}

/** Parses a coordinator's reply into a plan for `team`, or the errors to quote back to it. */
export function parsePlan(reply: string, team: readonly ParticipantInfo[]): Structured<PlannedSubtask[]> {
  const parsed = parseStructured(planSchema(team), reply);
  return parsed.ok ? { ok: true, value: parsed.value.subtasks } : parsed;
}

/**
 * The plan in waves: wave 0 has no dependencies, wave k depends only on earlier waves. Sub-tasks of one
 * wave run in parallel. Expects a validated (acyclic) plan.
 */
export function planWaves(plan: readonly PlannedSubtask[]): PlannedSubtask[][] {
  const byId = new Map(plan.map((s) => [s.id, s]));
  const wave = new Map<string, number>();
  const waveOf = (s: PlannedSubtask): number => {
    const known = wave.get(s.id);
    if (known !== undefined) return known;
    let w = 0;
    for (const dep of s.depends_on) {
      const d = byId.get(dep);
      if (d) w = Math.max(w, waveOf(d) + 1);
    }
    wave.set(s.id, w);
    return w;
  };
  const waves: PlannedSubtask[][] = [];
  for (const s of plan) (waves[waveOf(s)] ??= []).push(s);
  return waves.filter((w) => w.length > 0);
}

function resolveAssignee(assignee: string, team: readonly ParticipantInfo[]): string {
  if (team.some((m) => m.instance_id === assignee)) return assignee;
  const byName = team.filter((m) => m.name.toLowerCase() === assignee.toLowerCase());
  return byName.length === 1 && byName[0] ? byName[0].instance_id : assignee;
}

/** One dependency cycle as a path of ids (first id repeated at the end), or undefined. Unknown ids are ignored. */
function findCycle(subtasks: readonly { id: string; depends_on: readonly string[] }[]): string[] | undefined {
  const deps = new Map(subtasks.map((s) => [s.id, s.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const s of subtasks) {
    const cycle = visit(s.id);
    if (cycle) return cycle;
  }
  return undefined;
}
