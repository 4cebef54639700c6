import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { deferred, FakePort, fakeContext } from '../test-support/fake-port.js';
import { runParallel } from './parallel.js';
import type { CoordinationRequest } from './types.js';

const request = (participantIds: string[], extra: Partial<CoordinationRequest> = {}): CoordinationRequest => ({
  participantIds,
  task: 'Design a login page.',
  options: {},
  ...extra,
});

describe('runParallel', () => {
  it('sends the task to every participant at once and gathers the replies in request order', async () => {
    const port = FakePort.team('fe:frontend_developer', 'be:backend_developer', 'qa:testing_specialist');
    // Each reply waits until all three turns are in flight: this only finishes if they really overlap.
    for (const id of ['inst_fe', 'inst_be', 'inst_qa']) port.script(id, async () => (await port.whenInFlight(3), `${id} answer`));
    const context = fakeContext(port);

    const result = await runParallel(request(['inst_fe', 'inst_be', 'inst_qa']), context);

    expect(port.maxInFlight).toBe(3);
    expect(port.calls.map((c) => c.message)).toEqual(['Design a login page.', 'Design a login page.', 'Design a login page.']);
    expect(result).toMatchObject({ coordination_type: 'parallel', success: true, turns: 3, cost_usd: 0.003, synthesis: null, final_answer: null });
    expect(result.usage).toEqual({ input_tokens: 30, output_tokens: 15, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 45 });
    expect(result.results.map((r) => [r.name, r.status, r.reply])).toEqual([
      ['fe', 'completed', 'inst_fe answer'],
      ['be', 'completed', 'inst_be answer'],
      ['qa', 'completed', 'inst_qa answer'],
    ]);
    expect(result.summary).toMatch(/3 of 3 replied.*3 turns, 45 tokens, \$0\.0030/);
    expect(context.updates.map((u) => u.message)).toContainEqual('fe (frontend_developer) replied, 1/3');
    expect(context.updates.at(-1)).toMatchObject({ completedTurns: 3, totalTurns: 3 });
  });

  it('never has more turns in flight than maxConcurrency', async () => {
    const port = FakePort.team('a', 'b', 'c', 'd', 'e');
    // The first two hold until both are in flight, proving the bound is reached, not just respected.
    for (const id of ['inst_a', 'inst_b']) port.script(id, async () => (await port.whenInFlight(2), 'held'));

    const result = await runParallel(request(['inst_a', 'inst_b', 'inst_c', 'inst_d', 'inst_e']), fakeContext(port, 2));

    expect(port.maxInFlight).toBe(2);
    expect(result.success).toBe(true);
    expect(result.results.every((r) => r.status === 'completed')).toBe(true);
  });

  it('reports a failure per participant and keeps the others, and the synthesis names what is missing', async () => {
    const port = FakePort.team('lead:architect', 'fe:frontend_developer', 'be:backend_developer', 'qa:testing_specialist');
    port.script('inst_fe', 'FE: a form with two fields').script('inst_qa', 'QA: test the error states');
    port.fail('inst_be', new OrchestratorError('timeout', 'No reply from instance inst_be within 600 s.'));
    port.script('inst_lead', 'The combined login page design.');

    const result = await runParallel(request(['inst_fe', 'inst_be', 'inst_qa'], { coordinatorId: 'inst_lead' }), fakeContext(port));

    expect(result.success).toBe(false);
    expect(result.results.map((r) => r.status)).toEqual(['completed', 'failed', 'completed']);
    expect(result.results[1]).toMatchObject({ name: 'be', error: 'No reply from instance inst_be within 600 s.' });
    expect(result.results[1]?.usage).toBeUndefined();
    expect(result.synthesis).toMatchObject({ name: 'lead', status: 'completed', reply: 'The combined login page design.' });
    expect(result.final_answer).toBe('The combined login page design.');
    expect(result.turns).toBe(3);

    const synthesisPrompt = port.callsTo('inst_lead')[0]?.message ?? '';
    expect(synthesisPrompt).toContain('Design a login page.');
    expect(synthesisPrompt).toContain('<reply from="fe (frontend_developer)">\nFE: a form with two fields\n</reply>');
    expect(synthesisPrompt).toContain('<reply from="qa (testing_specialist)">\nQA: test the error states\n</reply>');
    expect(synthesisPrompt).toMatch(/<no_reply from="be \(backend_developer\)" status="failed">\nNo reply from instance inst_be within 600 s\.\n<\/no_reply>/);
    expect(synthesisPrompt).toMatch(/1 of 3 members gave no reply/);
    expect(result.summary).toMatch(/2 of 3 replied; failed: be \(backend_developer\).*lead \(architect\) synthesised/);
  });

  it('asks the coordinator only after every participant has finished', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b');
    const gate = deferred();
    port.script('inst_a', async () => (await gate.promise, 'late'));
    const running = runParallel(request(['inst_a', 'inst_b'], { coordinatorId: 'inst_lead' }), fakeContext(port));
    await port.whenCalls(2);
    expect(port.callsTo('inst_lead')).toHaveLength(0);
    gate.resolve();
    const result = await running;
    expect(port.calls.at(-1)?.instanceId).toBe('inst_lead');
    expect(result.success).toBe(true);
  });

  it('skips the synthesis when asked, or when nobody replied', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b');
    const noSynthesis = await runParallel(request(['inst_a', 'inst_b'], { coordinatorId: 'inst_lead', options: { synthesize: false } }), fakeContext(port));
    expect(noSynthesis.synthesis).toBeNull();
    expect(port.callsTo('inst_lead')).toHaveLength(0);

    port.fail('inst_a').fail('inst_b');
    const nobody = await runParallel(request(['inst_a', 'inst_b'], { coordinatorId: 'inst_lead' }), fakeContext(port));
    expect(nobody.synthesis).toMatchObject({ status: 'skipped', error: expect.stringMatching(/nothing to synthesise/) });
    expect(port.callsTo('inst_lead')).toHaveLength(0);
    expect(nobody.success).toBe(false);
    expect(nobody.turns).toBe(0);
  });

  it('reports an unknown cost as null, never 0', async () => {
    const port = FakePort.team('a', 'b');
    port.costUsd = null;
    const result = await runParallel(request(['inst_a', 'inst_b']), fakeContext(port));
    expect(result.cost_usd).toBeNull();
    expect(result.summary).toMatch(/cost unknown/);
  });

  it('on abort starts no new turn, cancels the running ones and returns', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    const context = fakeContext(port, 1);
    // The first turn aborts the run and then never answers by itself: only the abort can end it.
    port.script('inst_a', () => {
      context.controller.abort();
      return new Promise<string>(() => {});
    });

    const result = await runParallel(request(['inst_a', 'inst_b', 'inst_c'], { coordinatorId: 'inst_lead' }), context);

    expect(port.calls.map((c) => c.instanceId)).toEqual(['inst_a']);
    expect(result.results.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(result.synthesis?.status).toBe('cancelled');
    expect(result.success).toBe(false);
    expect(result.summary).toMatch(/^Cancelled\./);
  });
});
