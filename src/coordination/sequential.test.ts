import { describe, expect, it } from 'vitest';
import { FakePort, fakeContext } from '../test-support/fake-port.js';
import { runSequential } from './sequential.js';
import type { CoordinationRequest } from './types.js';

const request = (participantIds: string[], extra: Partial<CoordinationRequest> = {}): CoordinationRequest => ({
  participantIds,
  task: 'Write a CSV parser.',
  options: {},
  ...extra,
});

describe('runSequential', () => {
  it('runs participants one after another, each seeing the task and every earlier reply, labelled', async () => {
    const port = FakePort.team('arch:architect', 'dev:backend_developer', 'rev:code_reviewer');
    port.script('inst_arch', 'DESIGN: a streaming tokenizer').script('inst_dev', 'CODE: parse()').script('inst_rev', 'REVIEW: handle quotes');
    const context = fakeContext(port);

    const result = await runSequential(request(['inst_arch', 'inst_dev', 'inst_rev']), context);

    expect(port.maxInFlight).toBe(1);
    expect(port.calls.map((c) => c.instanceId)).toEqual(['inst_arch', 'inst_dev', 'inst_rev']);
    const [first, second, third] = port.calls.map((c) => c.message);
    expect(first).toMatch(/step 1 of 3/);
    expect(first).toContain('Write a CSV parser.');
    expect(second).toContain('Write a CSV parser.');
    expect(second).toContain('<reply from="arch (architect)" step="1">\nDESIGN: a streaming tokenizer\n</reply>');
    expect(third).toContain('Write a CSV parser.');
    expect(third).toContain('<reply from="arch (architect)" step="1">\nDESIGN: a streaming tokenizer\n</reply>');
    expect(third).toContain('<reply from="dev (backend_developer)" step="2">\nCODE: parse()\n</reply>');
    expect(result).toMatchObject({ coordination_type: 'sequential', success: true, turns: 3, synthesis: null, final_answer: 'REVIEW: handle quotes' });
    expect(context.updates.map((u) => u.message)).toEqual([
      'arch (architect) finished step 1, 1/3',
      'dev (backend_developer) finished step 2, 2/3',
      'rev (code_reviewer) finished step 3, 3/3',
      result.summary,
    ]);
  });

  it('stops at a failure: the rest are skipped and never asked, and the report says what completed', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    port.fail('inst_b');

    const result = await runSequential(request(['inst_a', 'inst_b', 'inst_c'], { coordinatorId: 'inst_lead' }), fakeContext(port));

    expect(port.calls.map((c) => c.instanceId)).toEqual(['inst_a', 'inst_b']);
    expect(result.results.map((r) => r.status)).toEqual(['completed', 'failed', 'skipped']);
    expect(result.results[2]?.error).toMatch(/chain stopped at step 2, b \(general\)/);
    expect(result.synthesis).toMatchObject({ status: 'skipped' });
    expect(result).toMatchObject({ success: false, final_answer: null, turns: 1 });
    expect(result.summary).toMatch(/1 of 3 replied; failed: b \(general\); skipped: c \(general\).*stopped at b \(general\): The API failed for inst_b/);
  });

  it('has the coordinator synthesise the chain once it completed', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b');
    port.script('inst_a', 'part A').script('inst_b', 'part B').script('inst_lead', 'FINAL');

    const result = await runSequential(request(['inst_a', 'inst_b'], { coordinatorId: 'inst_lead' }), fakeContext(port));

    const synthesis = port.callsTo('inst_lead')[0]?.message ?? '';
    expect(synthesis).toMatch(/in order, each building on the work before it/);
    expect(synthesis).toContain('part A');
    expect(synthesis).toContain('part B');
    expect(result).toMatchObject({ success: true, final_answer: 'FINAL', turns: 3 });
  });

  it('sends a lone participant the task as it is', async () => {
    const port = FakePort.team('a');
    await runSequential(request(['inst_a']), fakeContext(port));
    expect(port.calls[0]?.message).toBe('Write a CSV parser.');
  });

  it('on abort cancels the running step and the rest, and starts nothing new', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    const context = fakeContext(port);
    port.script('inst_b', () => {
      context.controller.abort();
      return new Promise<string>(() => {});
    });

    const result = await runSequential(request(['inst_a', 'inst_b', 'inst_c'], { coordinatorId: 'inst_lead' }), context);

    expect(port.calls.map((c) => c.instanceId)).toEqual(['inst_a', 'inst_b']);
    expect(result.results.map((r) => r.status)).toEqual(['completed', 'cancelled', 'cancelled']);
    expect(result.synthesis?.status).toBe('cancelled');
    expect(result.summary).toMatch(/^Cancelled\./);
  });
});
