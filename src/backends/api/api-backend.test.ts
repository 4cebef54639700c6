import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { countInputTokens, countOutputTokens } from '../../simulator/token-count.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { AgentTool } from '../backend.js';
import { BUDGET_EXHAUSTED } from '../call-budget.js';
import { ApiBackend } from './api-backend.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const spec = { instanceId: 'inst_test', model: 'claude-sonnet-5-5', systemPrompt: 'You are a senior backend developer.', workspace: '/tmp', options: {} };

async function failure(promise: Promise<unknown>): Promise<OrchestratorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrchestratorError);
  return error as OrchestratorError;
}

describe('ApiBackend against the simulator', () => {
  it('streams a turn with the whole history, holds the call first and settles it with exactly the usage the API reported', async () => {
    sim.reset();
    sim.setScript([]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const deltas: string[] = [];
    const history = [
      { role: 'user' as const, content: 'Design an endpoint' },
      { role: 'assistant' as const, content: 'POST /tasks' },
    ];
    const budget = new TestBudget(500);
    const result = await session.turn({ history, message: 'Add validation' }, { signal: new AbortController().signal, calls: budget, onEvent: (e) => (e.type === 'text' ? deltas.push(e.text) : undefined) });
    const body = sim.requests[0]?.body;
    expect(sim.requests[0]?.stream).toBe(true);
    // The call's max_tokens is what its hold granted.
    expect(body?.max_tokens).toBe(500);
    // Caching is on by default: the system prompt and the last message carry the breakpoints.
    expect(body?.system).toEqual([{ type: 'text', text: spec.systemPrompt, cache_control: { type: 'ephemeral' } }]);
    expect(body?.messages.map((m) => m.content)).toEqual(['Design an endpoint', 'POST /tasks', [{ type: 'text', text: 'Add validation', cache_control: { type: 'ephemeral' } }]]);
    expect(deltas.join('')).toBe(result.text);
    expect(result.usage).toEqual({
      inputTokens: countInputTokens(body as Parameters<typeof countInputTokens>[0]),
      outputTokens: countOutputTokens([{ type: 'text', text: result.text }]),
      cacheCreationInputTokens: 0,
      cacheCreation1hInputTokens: 0,
      cacheReadInputTokens: 0,
    });
    expect(result.stopReason).toBe('end_turn');
    expect(result.model).toBe('claude-sonnet-5-5');
    expect(result.retries).toBe(0);
    // One hold for the one call, estimated on the high side of the real prompt, settled with the usage the turn reports.
    expect(budget.requests).toHaveLength(1);
    expect(budget.requests[0]?.promptTokens).toBeGreaterThanOrEqual(result.usage.inputTokens);
    expect(budget.settled).toEqual([{ usage: result.usage, model: result.model, durationMs: expect.any(Number) }]);
    expect(budget.released).toBe(0);
    expect(budget.open).toBe(0);
    await session.close();
  });

  it('refuses to start without a key, saying how to set one', async () => {
    const backend = new ApiBackend({ apiKey: undefined, baseUrl: sim.url });
    expect(() => backend.assertReady()).toThrow(/ANTHROPIC_API_KEY/);
    expect((await failure(backend.start(spec))).code).toBe('not_configured');
  });

  it('turns a server error into a clear error, and releases the failed call\'s hold without charging it', async () => {
    sim.setScript([
      {
        reply: () => {
          throw new Error('boom');
        },
      },
    ]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const budget = new TestBudget(10);
    const error = await failure(session.turn({ history: [], message: 'hi' }, { signal: new AbortController().signal, calls: budget }));
    expect(error.code).toBe('backend_unavailable');
    expect(error.message).toMatch(/500/);
    expect(budget).toMatchObject({ settled: [], released: 1, open: 0 });
    sim.setScript([]);
  });

  it('says 404 is often an unknown model, and names an unreachable API', async () => {
    const wrongPath = await new ApiBackend({ apiKey: 'k', baseUrl: `${sim.url}/nowhere`, maxRetries: 0 }).start(spec);
    const budget = new TestBudget(10);
    const notFound = await failure(wrongPath.turn({ history: [], message: 'hi' }, { signal: new AbortController().signal, calls: budget }));
    expect(notFound.code).toBe('backend_error');
    expect(notFound.message).toMatch(/404/);

    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const unreachable = await new ApiBackend({ apiKey: 'k', baseUrl: url, maxRetries: 0 }).start(spec);
    const down = await failure(unreachable.turn({ history: [], message: 'hi' }, { signal: new AbortController().signal, calls: budget }));
    expect(down.code).toBe('backend_unavailable');
    expect(down.message).toMatch(/Cannot reach/);
    // Neither call produced usage: both holds were released, none charged.
    expect(budget).toMatchObject({ settled: [], released: 2, open: 0 });
  });

  it('maps a 400 to a refusal that quotes the API', async () => {
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start({ ...spec, model: '' });
    const budget = new TestBudget(10);
    const error = await failure(session.turn({ history: [], message: 'hi' }, { signal: new AbortController().signal, calls: budget }));
    expect(error.code).toBe('backend_error');
    expect(error.message).toMatch(/400/);
    expect(budget).toMatchObject({ settled: [], released: 1, open: 0 });
  });

  it('stops a turn when its signal aborts, with the abort reason, and releases its hold', async () => {
    sim.setScript([{ reply: 'slow', latencyMs: 10_000 }]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const controller = new AbortController();
    const budget = new TestBudget(10);
    const turn = session.turn({ history: [], message: 'hi' }, { signal: controller.signal, calls: budget });
    await expect.poll(() => sim.inFlight).toBe(1);
    controller.abort(new OrchestratorError('timeout', 'too slow'));
    const error = await failure(turn);
    expect(error.code).toBe('timeout');
    expect(budget).toMatchObject({ settled: [], released: 1, open: 0 });
    sim.setScript([]);
  });

  it('makes no call when the first hold is refused: the turn fails with limit_exceeded', async () => {
    sim.reset();
    const budget = new TestBudget(500, 0);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const error = await failure(session.turn({ history: [], message: 'hi' }, { signal: new AbortController().signal, calls: budget }));
    expect(error.code).toBe('limit_exceeded');
    expect(sim.requests).toHaveLength(0);
    expect(budget).toMatchObject({ refused: 1, settled: [], released: 0, open: 0 });
  });

  it('ends a tool loop with budget_exhausted when the next call is refused a hold, keeping what the turn produced', async () => {
    sim.reset();
    const tool: AgentTool = { name: 'list_children', description: 'Lists children.', input_schema: { type: 'object', properties: {} } };
    sim.setScript([{ reply: { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', name: 'list_children', input: {} }] } }]);
    // Refuses once any call was settled: the first call is granted, the one after the tool result is not.
    const budget = new TestBudget(500, 1);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const result = await session.turn(
      { history: [], message: 'How many children do I have?', tools: [tool] },
      { signal: new AbortController().signal, calls: budget, executeTool: async () => ({ content: '[]', isError: false }) },
    );
    sim.setScript([]);
    expect(result.stopReason).toBe(BUDGET_EXHAUSTED);
    expect(result.text).toBe('Let me look.');
    expect(result.toolCalls).toEqual([{ name: 'list_children', input: {}, isError: false, result: '[]' }]);
    expect(sim.requests).toHaveLength(1);
    expect(budget).toMatchObject({ refused: 1, released: 0, open: 0 });
    expect(budget.settled).toEqual([{ usage: result.usage, model: result.model, durationMs: expect.any(Number) }]);
  });
});
