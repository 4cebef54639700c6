import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { ParsedRequest, ReplySpec, RunningSimulator } from '../simulator/simulator.js';
import { startSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { NO_ACTION_REASON } from './verify.js';

let sim: RunningSimulator;
let orchestrator: Orchestrator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.setScript([]);
  await orchestrator?.close();
});

/** The tool results the model was given back in this turn, parsed (errors stay text). */
function results(request: ParsedRequest): unknown[] {
  return request.messages.flatMap((m) =>
    typeof m.content === 'string'
      ? []
      : m.content
          .filter((b) => b.type === 'tool_result')
          .map((b) => {
            const content = (b as { content?: unknown }).content;
            const text = typeof content === 'string' ? content : JSON.stringify(content);
            try {
              return JSON.parse(text) as unknown;
            } catch {
              return text;
            }
          }),
  );
}

const use = (name: string, input: Record<string, unknown>): ReplySpec => ({ content: [{ type: 'tool_use', name, input }] });

describe("a delegating parent sees what its child did", () => {
  it("message_instance returns the child's verification and a line of its evidence: a delegating child's bare \"Done!\" is unverified; a plain child's carries no flag", async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    const seen: unknown[][] = [];
    sim.setScript([
      // The children: a delegating backend developer that only claims, a plain analyst that answers.
      { match: { system: 'senior backend developer' }, reply: 'Done!' },
      { match: { system: 'data analyst' }, reply: 'The mean is 4.' },
      {
        match: { system: 'software architect' },
        reply: (req) => {
          const r = results(req);
          seen.push(r);
          const id = (i: number) => (r[i] as { instance_id: string }).instance_id;
          if (r.length === 0) return use('spawn_child', { name: 'builder', role: 'backend_developer', allow_delegation: true });
          if (r.length === 1) return use('spawn_child', { name: 'analyst', role: 'data_analyst' });
          if (r.length === 2) return use('message_instance', { instance_id: id(0), message: 'Build the payments service with tests.' });
          if (r.length === 3) return use('message_instance', { instance_id: id(1), message: 'What is the mean of 3 and 5?' });
          return 'Checked my team.';
        },
      },
    ]);
    const lead = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true });
    const result = await orchestrator.sendToInstance({ instance_id: lead.instance_id, message: 'Get the service built.' });
    expect(result.reply).toBe('Checked my team.');

    const final = seen.at(-1) as Array<Record<string, unknown>>;
    const builder = final[2];
    expect(builder).toMatchObject({ reply: 'Done!', verification: { status: 'unverified', reason: NO_ACTION_REASON }, state: 'idle' });
    expect(builder?.['evidence']).toMatch(/^no tool call; no file changed; 1 model call; [\d,]+ tokens$/);
    const analyst = final[3];
    expect(analyst).toMatchObject({ reply: 'The mean is 4.' });
    expect(analyst).not.toHaveProperty('verification');
    expect(analyst?.['evidence']).toMatch(/^no tool call; no file changed; 1 model call; [\d,]+ tokens$/);
    // The same facts are kept with the child's turn.
    const childTurn = (await orchestrator.getInstanceOutput({ instance_id: (final[0] as { instance_id: string }).instance_id })).messages[1];
    expect(childTurn?.verification).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
  });
});

describe('a delegating parent is no better verified than its children', () => {
  it('is unverified when its only action was messaging a child whose reply was unverified', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    const lead = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true });
    const builder = await orchestrator.spawnInstance({ name: 'builder', role: 'backend_developer', allow_delegation: true, parent_id: lead.instance_id });
    sim.setScript([
      { match: { system: 'senior backend developer' }, reply: 'Done!' },
      {
        match: { system: 'software architect' },
        reply: (req) => (results(req).length === 0 ? use('message_instance', { instance_id: builder.instance_id, message: 'Build the payments service.' }) : 'The service is built.'),
      },
    ]);
    const result = await orchestrator.sendToInstance({ instance_id: lead.instance_id, message: 'Get the service built.' });
    expect(result.evidence?.tool_calls).toEqual({ message_instance: 1 });
    expect(result.verification).toEqual({ status: 'unverified', reason: 'the 1 child it messaged answered unverified, and it changed no file itself' });
    expect(result.warnings).toContain('Unverified: the 1 child it messaged answered unverified, and it changed no file itself.');
  });
});
