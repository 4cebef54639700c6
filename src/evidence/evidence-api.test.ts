import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { startSimulator, type ParsedRequest, type ReplySpec, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { sendToInstanceTool } from '../tools/send-to-instance.js';
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

const toolResults = (request: ParsedRequest) => request.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result')));
const use = (name: string, input: Record<string, unknown>): ReplySpec => ({ content: [{ type: 'tool_use', name, input }] });

describe('evidence of api turns', () => {
  it('a plain conversation: evidence of its model calls and tokens, and no verification flag (its turns are text)', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    const { instance_id } = await orchestrator.spawnInstance({ name: 'Chat', role: 'architect' });
    const result = await orchestrator.sendToInstance({ instance_id, message: 'Build the whole backend.' });
    expect(result.evidence).toEqual({ tool_calls: {}, files: [], commands: [], model_calls: 1, tokens: result.usage.total_tokens });
    expect(result.verification).toBeUndefined();
    expect(result.warnings.join(' ')).not.toMatch(/Unverified/);
    expect(sendToInstanceTool.outputSchema.safeParse(result).success).toBe(true);
  });

  it("a delegating instance: its delegation tool calls are counted, and they back the turn", async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    sim.setScript([
      {
        match: { tool: 'spawn_child' },
        reply: (request) => (toolResults(request).length === 0 ? use('spawn_child', { name: 'Dev', role: 'backend_developer' }) : 'I hired a backend developer.'),
      },
    ]);
    const { instance_id } = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true, max_total_tokens: 50_000 });
    const result = await orchestrator.sendToInstance({ instance_id, message: 'Staff the project.' });
    expect(result.evidence).toMatchObject({ tool_calls: { spawn_child: 1 }, files: [], commands: [], model_calls: 2, tokens: result.usage.total_tokens });
    expect(result.verification).toEqual({ status: 'verified', reason: '1 tool call succeeded (spawn_child); no file changed' });
    expect(sendToInstanceTool.outputSchema.safeParse(result).success).toBe(true);
  });

  it('a delegating instance that only says it delegated is unverified, and the result says so', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    sim.setScript([{ reply: 'Done! I had my team build it all.' }]);
    const { instance_id } = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true, max_total_tokens: 50_000 });
    const result = await orchestrator.sendToInstance({ instance_id, message: 'Have your team build the app.' });
    expect(result.evidence.tool_calls).toEqual({});
    expect(result.verification).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
    expect(result.warnings).toContain(`Unverified: ${NO_ACTION_REASON}.`);
  });
});
