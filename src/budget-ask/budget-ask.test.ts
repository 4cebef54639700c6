import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../config/load-config.js';
import type { DomainEvent } from '../orchestrator/events.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { createMcpServer } from '../transports/mcp-server.js';

/**
 * Budgets that ask, end to end: the real MCP client (with and without an elicitation handler) over the
 * in-memory transport, the real server and API backend, the simulator answering over HTTP. Replies are far
 * longer than any max_tokens, so every call uses exactly what its hold granted and budgets run out on cue.
 */

type S = Record<string, any>;
type Answer = { action: 'accept'; content?: { add: number } } | { action: 'decline' | 'cancel' };

interface Asked {
  readonly message: string;
  readonly schema: S;
  /** Model calls the simulator had received when the question came: the refused call was not among them. */
  readonly callsBefore: number;
}

let sim: RunningSimulator;
let orchestrator: Orchestrator | undefined;
let client: Client | undefined;
let events: DomainEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.setScript([{ reply: 'z'.repeat(100_000) }]);
  events = [];
});
afterEach(async () => {
  await client?.close();
  await orchestrator?.close();
  client = undefined;
  orchestrator = undefined;
});

/** A server on the simulator and the SDK's client; with `answer`, the client declares elicitation and answers with it. */
async function connect(answer?: (asked: Asked) => Answer | Promise<Answer>, overrides: Partial<Config> = {}): Promise<{ c: Client; asked: Asked[] }> {
  orchestrator = simulatorOrchestrator(sim.url, { maxOutputTokens: 4000, ...overrides });
  orchestrator.events.subscribe((e) => {
    if (e.type === 'budget.raised' || e.type === 'budget.declined') events.push(e);
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(orchestrator).connect(serverSide);
  const asked: Asked[] = [];
  const c = new Client({ name: 'budget-test', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) {
    c.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { message?: unknown; requestedSchema?: S };
      const entry = { message: String(params.message ?? ''), schema: params.requestedSchema ?? {}, callsBefore: sim.requests.length };
      asked.push(entry);
      return answer(entry);
    });
  }
  await c.connect(clientSide);
  client = c;
  return { c, asked };
}

/** Accepts the raise the server proposes (the form's default). */
const acceptProposed = (a: Asked): Answer => ({ action: 'accept', content: { add: a.schema['properties']['add']['default'] as number } });

async function call(c: Client, name: string, args: S): Promise<{ isError: boolean; body: S; text: string }> {
  const result = await c.callTool({ name, arguments: args });
  const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
  return { isError: result.isError === true, body: (result.structuredContent ?? {}) as S, text };
}

async function spawn(c: Client, args: S): Promise<string> {
  const r = await call(c, 'spawn_claude', args);
  expect(r.isError, r.text).toBe(false);
  return r.body['instance_id'] as string;
}

async function status(c: Client, id: string): Promise<S> {
  return (await call(c, 'get_instance_status', { instance_id: id })).body;
}

describe('a send whose instance max_total_tokens is spent', () => {
  /** An instance whose first turn used its whole budget (its reply cut at what the hold granted). */
  async function spentInstance(c: Client): Promise<string> {
    const id = await spawn(c, { name: 'ana', max_total_tokens: 3000 });
    const first = await call(c, 'send_to_instance', { instance_id: id, message: 'Write a long essay.' });
    expect(first.isError, first.text).toBe(false);
    expect(first.body['stop_reason']).toBe('max_tokens');
    return id;
  }

  it('asks before the call is made, raises max_total_tokens when accepted, runs the turn, and the instance stays usable', async () => {
    const { c, asked } = await connect(acceptProposed);
    const id = await spentInstance(c);
    expect(sim.requests).toHaveLength(1);
    const second = await call(c, 'send_to_instance', { instance_id: id, message: 'Go on.' });
    expect(second.isError, second.text).toBe(false);
    expect(asked).toHaveLength(1);
    // Refused before it was paid: the question came while the simulator had seen only the first turn's call.
    expect(asked[0]?.callsBefore).toBe(1);
    expect(asked[0]?.message).toMatch(/max_total_tokens of "ana" \(inst_[0-9a-f]+\)/);
    expect(asked[0]?.message).toMatch(/3,000 tokens/);
    expect(asked[0]?.schema['properties']['add']).toMatchObject({ type: 'integer', minimum: expect.any(Number), default: expect.any(Number) });
    expect(sim.requests).toHaveLength(2);
    expect(second.body).toMatchObject({ state: 'idle' });
    const after = await status(c, id);
    const raisedBy = asked[0]?.schema['properties']['add']['default'] as number;
    expect(after['limits']['max_total_tokens']).toBe(3000 + raisedBy);
    expect(after['state']).toBe('idle');
    expect(events).toEqual([expect.objectContaining({ type: 'budget.raised', instanceId: id, budget: { instanceId: id, kind: 'tokens' }, from: 3000, to: 3000 + raisedBy })]);
    // Still usable: another send runs (asking again if this one spent the raise too).
    const third = await call(c, 'send_to_instance', { instance_id: id, message: 'And more.' });
    expect(third.isError, third.text).toBe(false);
  });

  it('declined: the send fails with limit_exceeded naming the budget and how to raise it, nothing is paid, the instance stays', async () => {
    const { c, asked } = await connect(() => ({ action: 'decline' }));
    const id = await spentInstance(c);
    const second = await call(c, 'send_to_instance', { instance_id: id, message: 'Go on.' });
    expect(second.isError).toBe(true);
    expect(second.body['error']).toMatchObject({ code: 'limit_exceeded' });
    expect(second.text).toMatch(/max_total_tokens \(3000\).*not raised: the user declined/s);
    expect(second.text).toMatch(/MCP elicitation|larger max_total_tokens/);
    expect(asked).toHaveLength(1);
    expect(sim.requests).toHaveLength(1);
    expect((await status(c, id))['state']).toBe('idle');
    expect(events).toEqual([expect.objectContaining({ type: 'budget.declined', instanceId: id, answer: 'decline' })]);
  });

  it('asks the client of a send that already returned its task handle, and the task completes', async () => {
    const { c, asked } = await connect(acceptProposed);
    const id = await spentInstance(c);
    const handle = await call(c, 'send_to_instance', { instance_id: id, message: 'Go on.', wait_seconds: 0 });
    expect(handle.body['state']).toBe('working');
    const done = await call(c, 'get_task', { task_id: handle.body['task_id'], wait_seconds: 60 });
    expect(done.body['state']).toBe('completed');
    expect(asked).toHaveLength(1);
    expect(sim.requests).toHaveLength(2);
  });

  it('a client without elicitation gets the clear refusal at once, and the spent instance ends as before', async () => {
    const { c } = await connect();
    const id = await spawn(c, { name: 'ana', max_total_tokens: 3000 });
    const first = await call(c, 'send_to_instance', { instance_id: id, message: 'Write a long essay.' });
    expect(first.body).toMatchObject({ state: 'terminated', state_reason: 'limit:tokens' });
    expect(sim.requests).toHaveLength(1);
  });
});

describe('a budget that runs out in the middle of a coordination', () => {
  /**
   * Three participants, children of a lead whose max_total_tokens covers two turns: they run one at a time,
   * and the third's call is refused by the lead's budget after two have answered.
   */
  async function team(c: Client): Promise<{ lead: string; ids: string[] }> {
    const lead = await spawn(c, { name: 'lead', max_total_tokens: 7000 });
    const ids: string[] = [];
    for (const name of ['ana', 'bo', 'cy']) ids.push(await spawn(c, { name, parent_id: lead }));
    return { lead, ids };
  }
  const run = (c: Client, ids: string[]) => call(c, 'coordinate_instances', { coordination_type: 'parallel', participant_ids: ids, task_description: 'Write an essay.', timeout_seconds: 120 });
  const results = (r: { body: S }) => r.body['results'] as S[];

  it('asks about the lead\'s budget; accepted, the run completes, every participant answered, the limit in the store raised', async () => {
    const { c, asked } = await connect(acceptProposed, { coordinationConcurrency: 1 });
    const { lead, ids } = await team(c);
    const r = await run(c, ids);
    expect(r.isError, r.text).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.callsBefore).toBe(2);
    expect(asked[0]?.message).toMatch(/max_total_tokens of "lead"/);
    expect(asked[0]?.message).toMatch(/the model call is cy's/);
    expect(asked[0]?.message).toMatch(/its children: (ana|bo) [\d,]+ tokens, (ana|bo) [\d,]+ tokens/);
    expect(results(r).map((p) => p['status'])).toEqual(['completed', 'completed', 'completed']);
    expect(r.body['success']).toBe(true);
    expect(sim.requests).toHaveLength(3);
    const raisedBy = asked[0]?.schema['properties']['add']['default'] as number;
    expect((await status(c, lead))['limits']['max_total_tokens']).toBe(7000 + raisedBy);
    expect(events).toEqual([expect.objectContaining({ type: 'budget.raised', instanceId: ids[2], budget: { instanceId: lead, kind: 'tokens' } })]);
  });

  it('declined: the run ends with the refused participant failed on limit_exceeded, the finished ones kept', async () => {
    const { c, asked } = await connect(() => ({ action: 'decline' }), { coordinationConcurrency: 1 });
    const { ids } = await team(c);
    const r = await run(c, ids);
    expect(r.isError, r.text).toBe(false);
    expect(asked).toHaveLength(1);
    const [a, b, cy] = results(r);
    expect([a?.['status'], b?.['status']]).toEqual(['completed', 'completed']);
    expect(a?.['reply']).toMatch(/^z+$/);
    expect(cy).toMatchObject({ status: 'failed', error: expect.stringMatching(/token budget of its ancestor inst_[0-9a-f]+.*not raised: the user declined/s) });
    expect(sim.requests).toHaveLength(2);
    expect(r.body).toMatchObject({ success: false, summary: expect.stringMatching(/2 of 3 replied; failed: cy/) });
    expect((await status(c, ids[2] as string))['state']).toBe('idle');
  });

  it('participants refused by the same budget at once share one question', async () => {
    let waiting = 0;
    let allWaiting!: () => void;
    const three = new Promise<void>((resolve) => (allWaiting = resolve));
    // Answers only once every participant's call waits for it, with room for all of them.
    const { c, asked } = await connect(async () => (await three, { action: 'accept', content: { add: 1_000_000 } }));
    orchestrator?.events.subscribe((e) => {
      if (e.type === 'approval.waiting' && e.tool === 'raise_budget' && ++waiting === 3) allWaiting();
    });
    const lead = await spawn(c, { name: 'lead', max_total_tokens: 100 });
    const ids: string[] = [];
    for (const name of ['ana', 'bo', 'cy']) ids.push(await spawn(c, { name, parent_id: lead }));
    const r = await run(c, ids);
    expect(r.isError, r.text).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.callsBefore).toBe(0);
    expect(results(r).map((p) => p['status'])).toEqual(['completed', 'completed', 'completed']);
    expect((await status(c, lead))['limits']['max_total_tokens']).toBe(1_000_100);
  });

  it('a client without elicitation gets the clear refusal at once; the finished participants are kept', async () => {
    const { c } = await connect(undefined, { coordinationConcurrency: 1 });
    const { ids } = await team(c);
    const r = await run(c, ids);
    const [a, b, cy] = results(r);
    expect([a?.['status'], b?.['status']]).toEqual(['completed', 'completed']);
    expect(cy).toMatchObject({ status: 'failed', error: expect.stringMatching(/cannot take this turn.*token budget of its ancestor.*MCP elicitation/s) });
    expect(sim.requests).toHaveLength(2);
  });
});

describe('the global budget (MAX_TOTAL_COST)', () => {
  it('asks to raise it for this server; accepted, the send runs and the server reports the raised budget', async () => {
    const { c, asked } = await connect(acceptProposed, { maxTotalCostUsd: 0.001 });
    const id = await spawn(c, { name: 'ana' });
    const r = await call(c, 'send_to_instance', { instance_id: id, message: 'Hello.' });
    expect(r.isError, r.text).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toMatch(/global budget MAX_TOTAL_COST.*on this server, until it restarts/s);
    expect(asked[0]?.schema['properties']['add']).toMatchObject({ type: 'number', title: 'USD to add' });
    expect(asked[0]?.callsBefore).toBe(0);
    const raisedBy = asked[0]?.schema['properties']['add']['default'] as number;
    expect(orchestrator?.limits().max_total_cost_usd).toBeCloseTo(0.001 + raisedBy, 9);
  });
});
