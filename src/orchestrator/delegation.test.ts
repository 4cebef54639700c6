import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRequest, ReplySpec, RunningSimulator } from '../simulator/simulator.js';
import { startSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import type { Orchestrator } from './orchestrator.js';

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

/** Tool results given back to the model in this turn, as text. */
function results(request: ParsedRequest): string[] {
  return request.messages.flatMap((m) =>
    typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result').map((b) => JSON.stringify((b as { content?: unknown }).content)),
  );
}

const use = (name: string, input: Record<string, unknown>): ReplySpec => ({ content: [{ type: 'tool_use', name, input }] });
const idIn = (text: string | undefined) => /inst_[0-9a-f]{32}/.exec(text ?? '')?.[0];

describe('delegation inside instances', () => {
  it('lets an instance spawn a child, message it and read its output, recorded in the tree', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    sim.setScript([
      {
        match: { tool: 'spawn_child' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('spawn_child', { name: 'API dev', role: 'backend_developer' });
          if (r.length === 1) return use('message_instance', { instance_id: idIn(r[0]), message: 'Write the tasks endpoint' });
          if (r.length === 2) return use('read_output', { instance_id: idIn(r[0]) });
          return 'My backend developer delivered the endpoint.';
        },
      },
    ]);
    const parent = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true, max_total_tokens: 50_000 });
    const result = await orchestrator.sendToInstance({ instance_id: parent.instance_id, message: 'Build the API' });
    expect(result.reply).toBe('My backend developer delivered the endpoint.');
    expect(result.tool_calls?.map((c) => [c.name, c.is_error])).toEqual([
      ['spawn_child', false],
      ['message_instance', false],
      ['read_output', false],
    ]);

    const status = (await orchestrator.getInstanceStatus({ instance_id: parent.instance_id }));
    expect(status.children).toHaveLength(1);
    const child = (await orchestrator.getInstanceStatus({ instance_id: status.children[0] ?? '' }));
    expect(child).toMatchObject({ parent_id: parent.instance_id, depth: 1, role: 'backend_developer', turns: 1 });
    // The child's budget comes out of what the parent had left when it was spawned.
    expect(child.limits.max_total_tokens).toBeLessThan(50_000);
    expect((await orchestrator.getInstanceOutput({ instance_id: child.instance_id })).messages[0]?.content).toBe('Write the tasks endpoint');
    // Four model calls in one turn: every one of them is accounted to the parent.
    const parentCalls = sim.requests.filter((r) => (r.body.tools ?? []).length > 0);
    expect(parentCalls).toHaveLength(4);
    expect((await orchestrator.getInstanceOutput({ instance_id: parent.instance_id })).messages[1]?.tool_calls).toHaveLength(3);
  });

  it('refuses past the children and depth limits, and to strangers, with errors the model can read', async () => {
    orchestrator = simulatorOrchestrator(sim.url, { maxChildrenPerParent: 1, maxDelegationDepth: 1 });
    const stranger = await orchestrator.spawnInstance({ name: 'stranger' });
    sim.setScript([
      {
        match: { tool: 'spawn_child', system: 'architect' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('spawn_child', { name: 'one', allow_delegation: true });
          if (r.length === 1) return use('spawn_child', { name: 'two' });
          if (r.length === 2) return use('message_instance', { instance_id: stranger.instance_id, message: 'hi' });
          if (r.length === 3) return use('message_instance', { instance_id: idIn(r[0]), message: 'spawn a helper' });
          return 'done';
        },
      },
      {
        match: { tool: 'spawn_child' },
        reply: (req) => (results(req).length === 0 ? use('spawn_child', { name: 'grandchild' }) : 'could not'),
      },
    ]);
    const parent = await orchestrator.spawnInstance({ name: 'Lead', role: 'architect', allow_delegation: true });
    const result = await orchestrator.sendToInstance({ instance_id: parent.instance_id, message: 'go' });
    const calls = result.tool_calls ?? [];
    expect(calls.map((c) => c.is_error)).toEqual([false, true, true, false]);
    expect(calls[1]?.result).toMatch(/MAX_CHILDREN_PER_PARENT=1/);
    expect(calls[2]?.result).toMatch(/not one you may reach/);
    const child = (await orchestrator.getInstanceStatus({ instance_id: idIn(calls[0]?.result) ?? '' }));
    const childTurn = (await orchestrator.getInstanceOutput({ instance_id: child.instance_id })).messages[1];
    expect(childTurn?.tool_calls?.[0]?.result).toMatch(/MAX_DELEGATION_DEPTH/);
  });

  it('lets an instance message a sibling, with a timeout that returns a clear error and leaves both usable', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const lead = await orchestrator.spawnInstance({ name: 'lead', allow_delegation: true });
    const asker = await orchestrator.spawnInstance({ name: 'asker', role: 'architect', parent_id: lead.instance_id, allow_delegation: true });
    const sibling = await orchestrator.spawnInstance({ name: 'sibling', role: 'data_analyst', parent_id: lead.instance_id });
    sim.setScript([
      { match: { lastUser: 'slow question' }, reply: async () => (await held, 'late') },
      {
        match: { tool: 'message_instance', system: 'architect' },
        reply: (req) => {
          const r = results(req);
          if (r.length === 0) return use('message_instance', { instance_id: sibling.instance_id, message: 'slow question', timeout_seconds: 0.5 });
          if (r.length === 1) return use('message_instance', { instance_id: sibling.instance_id, message: 'quick question' });
          return 'asked my sibling';
        },
      },
    ]);
    const result = await orchestrator.sendToInstance({ instance_id: asker.instance_id, message: 'Ask your sibling.' });
    release();
    expect(result.tool_calls?.map((c) => [c.name, c.is_error])).toEqual([
      ['message_instance', true],
      ['message_instance', false],
    ]);
    expect(result.tool_calls?.[0]?.result).toMatch(/No reply from instance .* within 0.5 s/);
    expect(result.tool_calls?.[1]?.result).toMatch(/"reply"/);
    await expect.poll(async () => (await orchestrator.getInstanceStatus({ instance_id: sibling.instance_id })).state).toBe('idle');
    expect((await orchestrator.getInstanceOutput({ instance_id: sibling.instance_id })).messages.map((m) => m.content)).toContain('quick question');
  });

  it('gives no delegation tools to instances spawned without allow_delegation', async () => {
    orchestrator = simulatorOrchestrator(sim.url);
    sim.reset();
    const plain = await orchestrator.spawnInstance({ name: 'plain' });
    await orchestrator.sendToInstance({ instance_id: plain.instance_id, message: 'hi' });
    expect(sim.requests.at(-1)?.body.tools).toBeUndefined();
  });
});
