import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRequest, ReplySpec, RunningSimulator } from '../simulator/simulator.js';
import { startSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import type { Orchestrator } from './orchestrator.js';

let sim: RunningSimulator;
let orchestrator: Orchestrator | undefined;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.setScript([]);
  await orchestrator?.close();
  orchestrator = undefined;
});

/** The tool results given back to the model so far in this turn, as the text the model reads. */
function results(request: ParsedRequest): string[] {
  return request.messages.flatMap((m) =>
    typeof m.content === 'string'
      ? []
      : m.content.filter((b) => b.type === 'tool_result').map((b) => {
          const content = (b as { content?: unknown }).content;
          return typeof content === 'string' ? content : JSON.stringify(content);
        }),
  );
}

const use = (name: string, input: Record<string, unknown> = {}): ReplySpec => ({ content: [{ type: 'tool_use', name, input }] });

describe('list_children, the delegation tool', () => {
  it('gives a delegating instance its own children (not its siblings or strangers) with state, turns, tokens and cost', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    const stranger = await orchestrator.spawnInstance({ name: 'stranger' });
    let seen: string[] = [];
    sim.setScript([
      {
        match: { tool: 'list_children', system: 'architect' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('list_children');
          if (r.length === 1) return use('spawn_child', { name: 'worker', role: 'backend_developer' });
          if (r.length === 2) {
            const id = /inst_[0-9a-f]{32}/.exec(r[1] ?? '')?.[0];
            return use('message_instance', { instance_id: id, message: 'do the work' });
          }
          if (r.length === 3) return use('list_children');
          seen = r;
          return 'I know my team.';
        },
      },
    ]);
    const lead = await orchestrator.spawnInstance({ name: 'lead', role: 'architect', allow_delegation: true, max_total_tokens: 100_000 });
    const result = await orchestrator.sendToInstance({ instance_id: lead.instance_id, message: 'Who works for you?' });
    expect(result.reply).toBe('I know my team.');
    expect(result.tool_calls?.map((c) => [c.name, c.is_error])).toEqual([
      ['list_children', false],
      ['spawn_child', false],
      ['message_instance', false],
      ['list_children', false],
    ]);
    // Before spawning: no children, as an empty list (not an error).
    expect(JSON.parse(seen[0] ?? '')).toEqual({ children: [] });
    // After: the one child, with what it has done; never the stranger.
    const after = JSON.parse(seen[3] ?? '') as { children: Record<string, unknown>[] };
    expect(after.children).toHaveLength(1);
    const child = after.children[0] ?? {};
    const status = await orchestrator.getInstanceStatus({ instance_id: String(child['instance_id']) });
    expect(child).toEqual({
      instance_id: status.instance_id,
      name: 'worker',
      role: 'backend_developer',
      state: 'idle',
      turns: 1,
      total_tokens: status.usage.total_tokens,
      cost_usd: status.cost_usd,
    });
    expect(status.parent_id).toBe(lead.instance_id);
    expect(status.usage.total_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(after)).not.toContain(stranger.instance_id);
  });

  it('lists a child that has ended with its final state', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    const lead = await orchestrator.spawnInstance({ name: 'lead', role: 'architect', allow_delegation: true });
    const child = await orchestrator.spawnInstance({ name: 'done child', parent_id: lead.instance_id });
    await orchestrator.terminateInstance({ instance_id: child.instance_id });
    let listed = '';
    sim.setScript([
      {
        match: { tool: 'list_children', system: 'architect' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('list_children');
          listed = r[0] ?? '';
          return 'checked';
        },
      },
    ]);
    await orchestrator.sendToInstance({ instance_id: lead.instance_id, message: 'check' });
    expect(JSON.parse(listed)).toEqual({
      children: [expect.objectContaining({ instance_id: child.instance_id, name: 'done child', state: 'terminated', turns: 0, total_tokens: 0, cost_usd: 0 })],
    });
  });

  it('passes a child its instructions and a cost cap from what the parent has left; an unknown tool is an error the model reads', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    sim.setScript([
      {
        match: { tool: 'list_children', system: 'architect' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('spawn_child', { name: 'careful', system_prompt: 'Be brief.', allow_delegation: false });
          if (r.length === 1) return use('no_such_tool', {});
          if (r.length === 2) return use('read_output', { instance_id: /inst_[0-9a-f]{32}/.exec(r[0] ?? '')?.[0], limit: 5 });
          return 'set up';
        },
      },
    ]);
    const lead = await orchestrator.spawnInstance({ name: 'lead', role: 'architect', allow_delegation: true, max_cost: 2 });
    const result = await orchestrator.sendToInstance({ instance_id: lead.instance_id, message: 'Set up a helper.' });
    expect(result.tool_calls?.map((c) => [c.name, c.is_error])).toEqual([
      ['spawn_child', false],
      ['no_such_tool', true],
      ['read_output', false],
    ]);
    expect(result.tool_calls?.[1]?.result).toMatch(/Unknown tool no_such_tool\. Available: spawn_child, message_instance, read_output, list_children/);
    expect(JSON.parse(result.tool_calls?.[2]?.result ?? '')).toMatchObject({ total: 0, messages: [] });
    const childId = /inst_[0-9a-f]{32}/.exec(result.tool_calls?.[0]?.result ?? '')?.[0] ?? '';
    const child = await orchestrator.getInstanceStatus({ instance_id: childId });
    expect(child.allow_delegation).toBe(false);
    // Its cost cap is what the parent had left: at most the parent's own.
    expect(child.limits.max_cost_usd).toBeGreaterThan(0);
    expect(child.limits.max_cost_usd).toBeLessThanOrEqual(2);
  });
});
