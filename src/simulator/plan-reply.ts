import { echo } from './default-reply.js';
import type { TeamMember } from './orchestrator-prompts.js';
import { profileForRoleId } from './role-profiles.js';

/** The orchestrator refuses longer plans (MAX_SUBTASKS in src/coordination/plan.ts); one sub-task per member up to this. */
const MAX_SUBTASKS = 25;

/** What the first members of a plan do, in turn; the last member reviews and completes their work. */
const FACETS = [
  'work out what is needed: the requirements, the constraints and the options',
  'draft the concrete solution, step by step',
  'cover the details and the risks: what could go wrong and how to handle it',
  'prepare what the others will need: the materials, the resources and a schedule',
] as const;

export interface SimulatedSubtask {
  readonly id: string;
  readonly assignee: string;
  readonly description: string;
  readonly depends_on: readonly string[];
}

/**
 * A valid plan for any task and team, as the plan prompt asks for it: one sub-task per listed member (ids
 * t1, t2, …, assignees only the ids the prompt lists), the first ones independent (they run at once), the
 * last one depending on them all (it reviews and completes their work), so a run shows two waves.
 */
export function simulatedPlan(task: string, team: readonly TeamMember[]): { subtasks: SimulatedSubtask[] } {
  const members = team.slice(0, MAX_SUBTASKS);
  const about = task.trim().length > 0 ? `the task "${echo(task, 160)}"` : 'the task';
  if (members.length === 1) {
    const only = members[0] as TeamMember;
    return { subtasks: [{ id: 't1', assignee: only.id, description: `Do all of ${about}, as ${asA(only)}.`, depends_on: [] }] };
  }
  const first = members.slice(0, -1).map((member, index): SimulatedSubtask => ({
    id: `t${index + 1}`,
    assignee: member.id,
    description: `For ${about}: ${FACETS[index % FACETS.length] ?? FACETS[0]}, as ${asA(member)}.`,
    depends_on: [],
  }));
  const last = members.at(-1);
  if (last === undefined) return { subtasks: [] };
  const earlier = first.map((s) => s.id);
  const review: SimulatedSubtask = {
    id: `t${members.length}`,
    assignee: last.id,
    description: `Review the results of ${earlier.join(', ')} against ${about} and complete them into one finished piece of work, as ${asA(last)}.`,
    depends_on: earlier,
  };
  return { subtasks: [...first, review] };
}

/** The plan as the one JSON object the prompt asks for, and nothing else. */
export function planReplyText(task: string, team: readonly TeamMember[]): string {
  return JSON.stringify(simulatedPlan(task, team));
}

function asA(member: TeamMember): string {
  const title = profileForRoleId(member.roleId).title;
  return `${/^[aeiou]/i.test(title) ? 'an' : 'a'} ${title}`;
}
