import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../config/defaults.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { lastUserText } from '../simulator/request-text.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { inMemoryTracing, scriptHierarchicalRun } from '../test-support/tracing-harness.js';
import { executeTool } from '../tools/registry.js';
import { TRACER_NAME, withSpan } from './tracing.js';

// A library user's own TracerProvider, registered the usual way: the orchestrator's spans go to it.
const { exporter, spans } = inMemoryTracing();
let sim: RunningSimulator;
let orchestrator: Orchestrator;

beforeAll(async () => {
  sim = await startSimulator();
  orchestrator = simulatorOrchestrator(sim.url);
});
afterAll(async () => {
  await orchestrator.close();
  await sim.close();
});
beforeEach(() => {
  sim.setScript([]);
});

type S = Record<string, any>;

async function tool(name: string, args: S): Promise<S> {
  const outcome = await executeTool(orchestrator, name, args);
  expect(outcome.result.isError, JSON.stringify(outcome.result.structuredContent)).toBeFalsy();
  return outcome.result.structuredContent;
}

const spawn = async (name: string, role: string, extra: S = {}): Promise<string> => (await tool('spawn_claude', { name, role, ...extra }))['instance_id'] as string;

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const childrenOf = (parent: ReadableSpan): ReadableSpan[] => spans().filter((s) => parentOf(s) === parent.spanContext().spanId);
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
function one(name: string): ReadableSpan {
  const found = named(name);
  expect(found.map((s) => s.name), `one span named ${name} among ${spans().map((s) => s.name).join(', ')}`).toEqual([name]);
  return found[0] as ReadableSpan;
}

describe('traces (GenAI semantic conventions) through a TracerProvider the library user registered', () => {
  it('a hierarchical run is one tree: tool call → coordination → each turn → its model call', async () => {
    const lead = await spawn('Lead', 'architect');
    const fe = await spawn('FE', 'frontend_developer');
    const be = await spawn('BE', 'backend_developer');
    scriptHierarchicalRun(sim, { fe, be }, 'done');
    exporter.reset();

    const result = await tool('coordinate_instances', { coordination_type: 'hierarchical', coordinator_id: lead, participant_ids: [fe, be], task_description: 'Build a todo app.' });
    expect(result['success']).toBe(true);

    const root = one('tools/call coordinate_instances');
    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'coordinate_instances' });
    expect(root.instrumentationScope.name).toBe(TRACER_NAME);

    const run = one('coordinate hierarchical');
    expect(parentOf(run)).toBe(root.spanContext().spanId);
    expect(run.attributes).toMatchObject({ 'orchestrator.coordination.type': 'hierarchical', 'orchestrator.coordination.coordinator_id': lead, 'orchestrator.coordination.success': true, 'orchestrator.coordination.turns': 4 });

    const turns = childrenOf(run);
    expect(turns.map((s) => s.name).sort()).toEqual(['invoke_agent BE', 'invoke_agent FE', 'invoke_agent Lead', 'invoke_agent Lead']);
    const leadTurn = turns.find((s) => s.name === 'invoke_agent Lead') as ReadableSpan;
    expect(leadTurn.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.agent.id': lead,
      'gen_ai.agent.name': 'Lead',
      'orchestrator.instance.id': lead,
      'orchestrator.instance.role': 'architect',
      'orchestrator.instance.backend': 'api',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'orchestrator.model_calls': 1,
    });
    expect(leadTurn.attributes['orchestrator.cost_usd']).toBeGreaterThan(0);
    expect(leadTurn.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    for (const turn of turns) {
      const calls = childrenOf(turn);
      expect(calls.map((s) => s.name)).toEqual([`chat ${DEFAULTS.model}`]);
      const call = calls[0] as ReadableSpan;
      expect(call.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': DEFAULTS.model, 'orchestrator.retries': 0 });
      expect(call.attributes['gen_ai.request.max_tokens']).toBeGreaterThan(0);
      expect(call.attributes['gen_ai.response.id']).toMatch(/^msg_/);
      expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(call.attributes['gen_ai.usage.cache_read.input_tokens']).toBeTypeOf('number');
      expect(call.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
      expect(turn.attributes['gen_ai.usage.input_tokens']).toBe(call.attributes['gen_ai.usage.input_tokens']);
    }
    // One trace: every span carries the root's trace id.
    expect(new Set(spans().map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
  });

  it('a coordination a library caller runs is the root of its own trace', async () => {
    const a = await spawn('A', 'general');
    const b = await spawn('B', 'general');
    exporter.reset();
    const plan = await orchestrator.prepareCoordination({ coordination_type: 'parallel', participant_ids: [a, b], task_description: 'Say hi.' });
    await orchestrator.runCoordination(plan);
    const run = one('coordinate parallel');
    expect(parentOf(run)).toBeUndefined();
    expect(childrenOf(run).map((s) => s.name).sort()).toEqual(['invoke_agent A', 'invoke_agent B']);
  });

  it('a queued turn is a child of its own send, not of the turn it waited for', async () => {
    const id = await spawn('Queue', 'general');
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    sim.setScript([{ match: { lastUser: 'first' }, reply: async () => (await gate, 'one') }]);
    exporter.reset();
    const first = withSpan('caller one', {}, () => orchestrator.sendToInstance({ instance_id: id, message: 'first' }));
    await expect.poll(() => sim.inFlight).toBe(1);
    const second = withSpan('caller two', {}, () => orchestrator.sendToInstance({ instance_id: id, message: 'second' }));
    open();
    await Promise.all([first, second]);
    const [turnOne, turnTwo] = named('invoke_agent Queue').sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1]);
    expect(parentOf(turnOne as ReadableSpan)).toBe(one('caller one').spanContext().spanId);
    expect(parentOf(turnTwo as ReadableSpan)).toBe(one('caller two').spanContext().spanId);
  });

  it("a delegated child's turn nests under the delegation tool call of its parent's turn", async () => {
    const parent = await spawn('Parent', 'architect', { allow_delegation: true });
    sim.setScript([
      { match: { lastUser: 'delegate it' }, reply: { content: [{ type: 'tool_use', name: 'spawn_child', input: { name: 'Kid', role: 'general' } }] } },
      { match: { lastUser: 'kid says hi' }, reply: 'all done' },
      { match: { lastUser: 'the kid task' }, reply: 'kid says hi' },
      {
        match: { lastUser: '"instance_id"' },
        reply: (request) => {
          const kid = /"instance_id":"([^"]+)"/.exec(lastUserText(request))?.[1] ?? '?';
          return { content: [{ type: 'tool_use', name: 'message_instance', input: { instance_id: kid, message: 'the kid task' } }] };
        },
      },
    ]);
    exporter.reset();
    const reply = await tool('send_to_instance', { instance_id: parent, message: 'delegate it' });
    expect(reply['reply']).toBe('all done');

    const turn = one('invoke_agent Parent');
    expect(childrenOf(turn).map((s) => s.name)).toEqual([
      `chat ${DEFAULTS.model}`,
      'execute_tool spawn_child',
      `chat ${DEFAULTS.model}`,
      'execute_tool message_instance',
      `chat ${DEFAULTS.model}`,
    ]);
    const message = one('execute_tool message_instance');
    expect(message.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'message_instance' });
    const kidTurn = one('invoke_agent Kid');
    expect(parentOf(kidTurn)).toBe(message.spanContext().spanId);
    expect(kidTurn.attributes).toMatchObject({ 'orchestrator.instance.parent_id': parent, 'orchestrator.instance.depth': 1 });
    expect(childrenOf(kidTurn).map((s) => s.name)).toEqual([`chat ${DEFAULTS.model}`]);
    expect(parentOf(turn)).toBe(one('tools/call send_to_instance').spanContext().spanId);
  });

  it('a failed tool call and a failed turn carry error status and error.type', async () => {
    const id = await spawn('Failing', 'general');
    sim.setScript([{ reply: 'never', faults: [{ kind: 'status', status: 400 }] }]);
    exporter.reset();
    const outcome = await executeTool(orchestrator, 'send_to_instance', { instance_id: id, message: 'hi' });
    expect(outcome.result.isError).toBe(true);
    const root = one('tools/call send_to_instance');
    expect(root.status.code).toBe(2);
    expect(root.attributes['error.type']).toBe(outcome.errorCode);
    const turn = one('invoke_agent Failing');
    expect(turn.status.code).toBe(2);
    expect(turn.attributes['error.type']).toBeTypeOf('string');
    const call = one(`chat ${DEFAULTS.model}`);
    expect(parentOf(call)).toBe(turn.spanContext().spanId);
    expect(call.status.code).toBe(2);

    const unknown = await executeTool(orchestrator, 'no_such_tool', {});
    expect(unknown.errorCode).toBe('not_found');
    expect(one('tools/call unknown').attributes['error.type']).toBe('not_found');
  });
});
