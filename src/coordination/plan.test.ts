import { describe, expect, it } from 'vitest';
import { parsePlan, planWaves, type PlannedSubtask } from './plan.js';
import type { ParticipantInfo } from './types.js';

const team: ParticipantInfo[] = [
  { instance_id: 'inst_fe', name: 'Fe', role: 'frontend_developer' },
  { instance_id: 'inst_be', name: 'Be', role: 'backend_developer' },
];

const plan = (subtasks: unknown[]) => JSON.stringify({ subtasks });

describe('parsePlan', () => {
  it('accepts a valid plan and defaults depends_on to none', () => {
    const parsed = parsePlan(plan([{ id: 't1', assignee: 'inst_fe', description: 'UI' }]), team);
    expect(parsed).toEqual({ ok: true, value: [{ id: 't1', assignee: 'inst_fe', description: 'UI', depends_on: [] }] });
  });

  it('accepts an assignee given by its exact name', () => {
    const parsed = parsePlan(plan([{ id: 't1', assignee: 'be', description: 'API' }]), team);
    expect(parsed.ok && parsed.value[0]?.assignee).toBe('inst_be');
  });

  it('rejects an empty plan, duplicate ids, unknown assignees and unknown dependencies, naming each', () => {
    expect(parsePlan(plan([]), team)).toEqual({ ok: false, errors: [expect.stringMatching(/at least one sub-task/)] });
    const bad = parsePlan(
      plan([
        { id: 't1', assignee: 'inst_fe', description: 'a' },
        { id: 't1', assignee: 'inst_nobody', description: 'b', depends_on: ['t9'] },
      ]),
      team,
    );
    expect(bad.ok).toBe(false);
    const errors = bad.ok ? [] : bad.errors;
    expect(errors).toContainEqual(expect.stringMatching(/subtasks\.1\.id: duplicate id "t1"/));
    expect(errors).toContainEqual(expect.stringMatching(/subtasks\.1\.assignee: "inst_nobody" is not a team member; use one of inst_fe, inst_be/));
    expect(errors).toContainEqual(expect.stringMatching(/subtasks\.1\.depends_on: "t9" is not the id of any sub-task/));
  });

  it('detects a cycle and shows it', () => {
    const parsed = parsePlan(
      plan([
        { id: 't1', assignee: 'inst_fe', description: 'a', depends_on: ['t3'] },
        { id: 't2', assignee: 'inst_be', description: 'b', depends_on: ['t1'] },
        { id: 't3', assignee: 'inst_be', description: 'c', depends_on: ['t2'] },
      ]),
      team,
    );
    expect(parsed).toEqual({ ok: false, errors: [expect.stringMatching(/cycle \(t1 -> t3 -> t2 -> t1\)/)] });
    expect(parsePlan(plan([{ id: 't1', assignee: 'inst_fe', description: 'a', depends_on: ['t1'] }]), team)).toMatchObject({ ok: false });
  });

  it('rejects prose and wrong shapes with errors that can be quoted back', () => {
    expect(parsePlan('I would start with the database.', team)).toEqual({ ok: false, errors: [expect.stringMatching(/no JSON object/)] });
    expect(parsePlan('{"tasks": []}', team)).toEqual({ ok: false, errors: [expect.stringMatching(/^subtasks: /)] });
  });
});

describe('planWaves', () => {
  it('puts each sub-task one wave after its latest dependency', () => {
    const s = (id: string, depends_on: string[] = []): PlannedSubtask => ({ id, assignee: 'inst_fe', description: id, depends_on });
    const waves = planWaves([s('t4', ['t3']), s('t1'), s('t3', ['t1', 't2']), s('t2'), s('t5', ['t1'])]);
    expect(waves.map((w) => w.map((x) => x.id))).toEqual([['t1', 't2'], ['t3', 't5'], ['t4']]);
  });
});
