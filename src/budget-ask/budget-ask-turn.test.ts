import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { ParsedRequest, ReplySpec, RunningSimulator } from '../simulator/simulator.js';
import { startSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { createMcpServer } from '../transports/mcp-server.js';

/**
 * A budget spent in the middle of a turn of several model calls (a delegating api instance's tool loop):
 * the next call is refused before it is made, the user is asked, and the turn goes on where it stopped,
 * or ends with stop reason budget_exhausted keeping what it wrote.
 */

type S = Record<string, any>;

let sim: RunningSimulator;
let orchestrator: Orchestrator | undefined;
let client: Client | undefined;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  // The first call writes a long text and looks at its children; the second (after the tool result) answers.
  sim.setScript([
    {
      match: { tool: 'list_children' },
      reply: (request: ParsedRequest): ReplySpec => {
        const answered = request.messages.some((m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_result'));
        return answered ? 'All done.' : { content: [{ type: 'text', text: 'z'.repeat(12_000) }, { type: 'tool_use', name: 'list_children', input: {} }] };
      },
    },
  ]);
});
afterEach(async () => {
  await client?.close();
  await orchestrator?.close();
  client = undefined;
  orchestrator = undefined;
});

async function connect(action: 'accept' | 'decline'): Promise<{ c: Client; asked: number[] }> {
  orchestrator = simulatorOrchestrator(sim.url, { maxOutputTokens: 4000 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(orchestrator).connect(serverSide);
  const asked: number[] = [];
  const c = new Client({ name: 'budget-turn-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  c.setRequestHandler('elicitation/create', async (request) => {
    asked.push(sim.requests.length);
    const add = (request.params as { requestedSchema: S }).requestedSchema['properties']['add']['default'] as number;
    return action === 'accept' ? { action: 'accept', content: { add } } : { action: 'decline' };
  });
  await c.connect(clientSide);
  client = c;
  return { c, asked };
}

async function sendToDelegator(c: Client): Promise<{ result: Awaited<ReturnType<Client['callTool']>>; id: string }> {
  const spawned = await c.callTool({ name: 'spawn_claude', arguments: { name: 'lead', allow_delegation: true, max_total_tokens: 8200 } });
  const id = (spawned.structuredContent as S)['instance_id'] as string;
  return { result: await c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'Check on your children.' } }), id };
}

describe('a budget spent between the model calls of one turn', () => {
  it('asks before the second call; accepted, the turn goes on and ends normally', async () => {
    const { c, asked } = await connect('accept');
    const { result } = await sendToDelegator(c);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const body = result.structuredContent as S;
    expect(asked).toEqual([1]);
    expect(sim.requests).toHaveLength(2);
    expect(body['stop_reason']).toBe('end_turn');
    expect(body['model_calls']).toBe(2);
    expect(body['reply']).toMatch(/z{100}[\s\S]*All done\./);
    expect(body['state']).toBe('idle');
  });

  it('declined: the turn ends with stop reason budget_exhausted and keeps the text of the call it made', async () => {
    const { c, asked } = await connect('decline');
    const { result, id } = await sendToDelegator(c);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const body = result.structuredContent as S;
    expect(asked).toEqual([1]);
    expect(sim.requests).toHaveLength(1);
    expect(body['stop_reason']).toBe('budget_exhausted');
    expect(body['reply']).toMatch(/^z{12000}$/);
    expect(body['warnings'].join(' ')).toMatch(/budget/);
    // The caller could be asked, so the instance at its limit stays: a later send asks again.
    expect(body['state']).toBe('idle');
    const status = (await c.callTool({ name: 'get_instance_status', arguments: { instance_id: id } })).structuredContent as S;
    expect(status['state']).toBe('idle');
  });
});

describe("a delegated child's turn", () => {
  it("asks the client of the parent's send, and the child's reply reaches the parent", async () => {
    const { c, asked } = await connect('accept');
    const parent = ((await c.callTool({ name: 'spawn_claude', arguments: { name: 'lead', allow_delegation: true } })).structuredContent as S)['instance_id'] as string;
    // The child's own budget can't take even its first call.
    const child = ((await c.callTool({ name: 'spawn_claude', arguments: { name: 'kid', parent_id: parent, max_total_tokens: 200 } })).structuredContent as S)['instance_id'] as string;
    sim.setScript([
      {
        match: { tool: 'message_instance' },
        reply: (request: ParsedRequest): ReplySpec => {
          const answered = request.messages.some((m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_result'));
          return answered ? 'The child answered.' : { content: [{ type: 'tool_use', name: 'message_instance', input: { instance_id: child, message: 'Say hi.' } }] };
        },
      },
      { reply: 'hi from the child' },
    ]);
    const result = await c.callTool({ name: 'send_to_instance', arguments: { instance_id: parent, message: 'Ask your child.' } });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    // Asked once the parent's first call was made, before the child's first call.
    expect(asked).toEqual([1]);
    expect(sim.requests).toHaveLength(3);
    const calls = (result.structuredContent as S)['tool_calls'] as S[];
    expect(calls[0]).toMatchObject({ name: 'message_instance', is_error: false });
    const kid = (await c.callTool({ name: 'get_instance_status', arguments: { instance_id: child } })).structuredContent as S;
    expect(kid['limits']['max_total_tokens']).toBeGreaterThan(200);
    expect(kid['state']).toBe('idle');
  });
});
