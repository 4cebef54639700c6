import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { FakePort, fakeContext, type FakeCall } from '../test-support/fake-port.js';
import { runHierarchical } from './hierarchical.js';
import type { CoordinationRequest } from './types.js';

const TASK = 'Build a todo app.';

const request = (participantIds: string[], extra: Partial<CoordinationRequest> = {}): CoordinationRequest => ({
  coordinatorId: 'inst_lead',
  participantIds,
  task: TASK,
  options: {},
  ...extra,
});

const planJson = (...subtasks: Array<[id: string, assignee: string, description: string, depends_on?: string[]]>) =>
  JSON.stringify({ subtasks: subtasks.map(([id, assignee, description, depends_on = []]) => ({ id, assignee, description, depends_on })) });

const isPlanRequest = (c: FakeCall) => /Split it into sub-tasks|Your plan could not be used/.test(c.message);

/** A coordinator that answers plan requests from `plans` in turn and integration requests with `answer`. */
function coordinator(plans: string[], answer = 'INTEGRATED') {
  let next = 0;
  return (c: FakeCall) => (isPlanRequest(c) ? (plans[Math.min(next++, plans.length - 1)] ?? '') : answer);
}

describe('runHierarchical', () => {
  it('needs a coordinator', async () => {
    const port = FakePort.team('a');
    const error = await runHierarchical({ participantIds: ['inst_a'], task: TASK, options: {} }, fakeContext(port)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestratorError);
    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/hierarchical pattern needs a coordinator/) });
    expect(port.calls).toHaveLength(0);
  });

  it('plans, runs independent sub-tasks together, passes dependency results along, and integrates', async () => {
    const port = FakePort.team('lead:architect', 'fe:frontend_developer', 'be:backend_developer', 'qa:testing_specialist');
    const plan = planJson(['t1', 'inst_fe', 'Build the UI'], ['t2', 'inst_be', 'Build the API'], ['t3', 'inst_qa', 'Test UI and API together', ['t1', 't2']]);
    port.script('inst_lead', coordinator([`Here is my plan:\n\`\`\`json\n${plan}\n\`\`\`\nGood luck!`], 'THE APP'));
    // t1 and t2 hold until both are in flight: the first wave really runs in parallel.
    port.script('inst_fe', async () => (await port.whenInFlight(2), 'UI DONE'));
    port.script('inst_be', async () => (await port.whenInFlight(2), 'API DONE'));
    port.script('inst_qa', 'TESTS DONE');
    const context = fakeContext(port);

    const result = await runHierarchical(request(['inst_fe', 'inst_be', 'inst_qa']), context);

    expect(port.maxInFlight).toBe(2);
    const planPrompt = port.calls[0]?.message ?? '';
    expect(planPrompt).toContain(TASK);
    expect(planPrompt).toContain('- inst_fe: fe (frontend_developer)');
    expect(planPrompt).toContain('- inst_qa: qa (testing_specialist)');
    expect(planPrompt).toMatch(/Reply with ONLY a JSON object/);

    const qaPrompt = port.callsTo('inst_qa')[0]?.message ?? '';
    expect(qaPrompt).toContain(`<overall_task>\n${TASK}\n</overall_task>`);
    expect(qaPrompt).toContain('<your_subtask id="t3">\nTest UI and API together\n</your_subtask>');
    expect(qaPrompt).toContain('<reply from="fe (frontend_developer)" subtask="t1">\nUI DONE\n</reply>');
    expect(qaPrompt).toContain('<reply from="be (backend_developer)" subtask="t2">\nAPI DONE\n</reply>');
    expect(port.callsTo('inst_fe')[0]?.message).not.toContain('API DONE');

    const integration = port.calls.at(-1);
    expect(integration?.instanceId).toBe('inst_lead');
    for (const text of ['UI DONE', 'API DONE', 'TESTS DONE', TASK]) expect(integration?.message).toContain(text);

    expect(result).toMatchObject({ coordination_type: 'hierarchical', success: true, level: 1, turns: 5, final_answer: 'THE APP', waves: [['t1', 't2'], ['t3']] });
    expect(result.plan_attempts).toEqual([{ attempt: 1, status: 'valid', errors: [] }]);
    expect(result.subtasks.map((s) => [s.subtask_id, s.name, s.status, s.wave, s.reply])).toEqual([
      ['t1', 'fe', 'completed', 1, 'UI DONE'],
      ['t2', 'be', 'completed', 1, 'API DONE'],
      ['t3', 'qa', 'completed', 2, 'TESTS DONE'],
    ]);
    expect(result.integration).toMatchObject({ status: 'completed', reply: 'THE APP' });
    expect(result.summary).toMatch(/led by lead \(architect\): 3 sub-task\(s\) in 2 wave\(s\), 3 completed\. lead \(architect\) integrated the results\. 5 turns/);
    expect(context.updates.at(-1)).toMatchObject({ completedTurns: 5, totalTurns: 5 });
  });

  it('retries an invalid plan once, quoting the errors back', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b');
    port.script('inst_lead', coordinator([planJson(['t1', 'inst_zed', 'x']), planJson(['t1', 'inst_a', 'x'])]));

    const result = await runHierarchical(request(['inst_a', 'inst_b']), fakeContext(port));

    const retry = port.callsTo('inst_lead')[1]?.message ?? '';
    expect(retry).toMatch(/Your plan could not be used/);
    expect(retry).toContain('subtasks.0.assignee: "inst_zed" is not a team member; use one of inst_a, inst_b');
    expect(result.plan_attempts.map((a) => a.status)).toEqual(['invalid', 'valid']);
    expect(result).toMatchObject({ success: true, turns: 4 });
  });

  it('ends clearly when the plan is invalid twice, asking no participant anything', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b');
    const cyclic = planJson(['t1', 'inst_a', 'x', ['t2']], ['t2', 'inst_b', 'y', ['t1']]);
    port.script('inst_lead', coordinator([cyclic]));

    const result = await runHierarchical(request(['inst_a', 'inst_b']), fakeContext(port));

    expect(port.calls.map((c) => c.instanceId)).toEqual(['inst_lead', 'inst_lead']);
    expect(result).toMatchObject({ success: false, plan: null, subtasks: [], integration: null, final_answer: null, turns: 2 });
    expect(result.plan_attempts.map((a) => [a.status, a.reply])).toEqual([
      ['invalid', cyclic],
      ['invalid', cyclic],
    ]);
    expect(result.summary).toMatch(/lead \(architect\) did not produce a valid plan after 2 attempts: subtasks: depends_on forms a cycle \(t1 -> t2 -> t1\)/);
  });

  it('gives a clear outcome, and never hangs, when the coordinator answers every prompt in prose', async () => {
    const port = FakePort.team('lead:architect', 'a');
    port.script('inst_lead', 'I think we should start by talking to the users.');

    const result = await runHierarchical(request(['inst_a']), fakeContext(port));

    expect(result.success).toBe(false);
    expect(result.plan_attempts.map((a) => a.errors)).toEqual([[expect.stringMatching(/no JSON object/)], [expect.stringMatching(/no JSON object/)]]);
    expect(result.summary).toMatch(/did not produce a valid plan after 2 attempts: the reply contains no JSON object/);
  });

  it('skips the dependents of a failed sub-task, lets the others finish, and integrates what there is', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    port.script('inst_lead', coordinator([planJson(['t1', 'inst_a', 'x'], ['t2', 'inst_b', 'y'], ['t3', 'inst_c', 'z', ['t1']])]));
    port.fail('inst_a');

    const result = await runHierarchical(request(['inst_a', 'inst_b', 'inst_c']), fakeContext(port));

    expect(port.callsTo('inst_c')).toHaveLength(0);
    expect(result.subtasks.map((s) => s.status)).toEqual(['failed', 'completed', 'skipped']);
    expect(result.subtasks[2]?.error).toMatch(/depends on t1, which did not complete/);
    const integration = port.calls.at(-1)?.message ?? '';
    expect(integration).toMatch(/<subtask_missing id="t1" assignee="a \(general\)" description="x" status="failed">/);
    expect(integration).toMatch(/2 of 3 sub-tasks have no result/);
    expect(result).toMatchObject({ success: false, integration: { status: 'completed' } });
    expect(result.summary).toMatch(/t1 by a \(general\) failed \(The API failed for inst_a\.\); t3 by c \(general\) skipped/);
  });

  it('with maxDepth 2 lets an assignee with children coordinate a nested run for its sub-task', async () => {
    const port = FakePort.team('lead:architect', 'fe:frontend_developer', 'be:backend_developer');
    port.addChildren('inst_be', 'db:data_analyst', 'api:backend_developer');
    port.script('inst_lead', coordinator([planJson(['t1', 'inst_fe', 'UI'], ['t2', 'inst_be', 'Server side'])], 'WHOLE APP'));
    port.script('inst_be', coordinator([planJson(['s1', 'inst_db', 'Schema'], ['s2', 'inst_api', 'Endpoints', ['s1']])], 'SERVER DONE'));
    port.script('inst_db', 'SCHEMA').script('inst_api', 'ENDPOINTS');

    const result = await runHierarchical(request(['inst_fe', 'inst_be'], { options: { maxDepth: 2 } }), fakeContext(port));

    const nestedPlanPrompt = port.callsTo('inst_be')[0]?.message ?? '';
    expect(nestedPlanPrompt).toContain('- inst_db: db (data_analyst)');
    expect(nestedPlanPrompt).toContain('<your_subtask id="t2">'); // the nested task is be's own assignment
    expect(port.callsTo('inst_be')).toHaveLength(2); // a plan and an integration, no direct sub-task turn
    const t2 = result.subtasks[1];
    expect(t2).toMatchObject({ subtask_id: 't2', status: 'completed', reply: 'SERVER DONE', nested: { level: 2, success: true, turns: 4 } });
    expect(t2?.nested?.subtasks.map((s) => [s.subtask_id, s.reply])).toEqual([
      ['s1', 'SCHEMA'],
      ['s2', 'ENDPOINTS'],
    ]);
    expect(t2?.usage?.total_tokens).toBe(60);
    expect(port.calls.at(-1)?.message).toContain('SERVER DONE');
    expect(result).toMatchObject({ success: true, turns: 7, final_answer: 'WHOLE APP' });
  });

  it('with the default maxDepth has an assignee do its sub-task itself even when it has children', async () => {
    const port = FakePort.team('lead:architect', 'be:backend_developer');
    port.addChildren('inst_be', 'db:data_analyst');
    port.script('inst_lead', coordinator([planJson(['t1', 'inst_be', 'Server side'])]));

    const result = await runHierarchical(request(['inst_be']), fakeContext(port));

    expect(port.callsTo('inst_db')).toHaveLength(0);
    expect(result.subtasks[0]?.nested).toBeUndefined();
    expect(result).toMatchObject({ success: true, turns: 3 });
  });

  it('on abort cancels running and pending sub-tasks and the integration, and starts nothing new', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    const context = fakeContext(port, 1); // one turn at a time, so t1 has finished when t2 aborts the run
    port.script('inst_lead', coordinator([planJson(['t1', 'inst_a', 'x'], ['t2', 'inst_b', 'y'], ['t3', 'inst_c', 'z', ['t2']])]));
    port.script('inst_b', () => {
      context.controller.abort();
      return new Promise<string>(() => {});
    });

    const result = await runHierarchical(request(['inst_a', 'inst_b', 'inst_c']), context);

    expect(port.callsTo('inst_c')).toHaveLength(0);
    expect(port.callsTo('inst_lead')).toHaveLength(1);
    expect(result.subtasks.map((s) => s.status)).toEqual(['completed', 'cancelled', 'cancelled']);
    expect(result.integration?.status).toBe('cancelled');
    expect(result).toMatchObject({ success: false, final_answer: null });
    expect(result.summary).toMatch(/^Cancelled\./);
  });
});
