import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { countInputTokens, countOutputTokens } from '../../simulator/token-count.js';
import { ApiBackend } from './api-backend.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const spec = { instanceId: 'inst_test', model: 'claude-sonnet-5-5', systemPrompt: 'You are a senior backend developer.', workspace: '/tmp' };

async function failure(promise: Promise<unknown>): Promise<OrchestratorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrchestratorError);
  return error as OrchestratorError;
}

describe('ApiBackend against the simulator', () => {
  it('streams a turn with the whole history and reports the API usage exactly', async () => {
    sim.reset();
    sim.setScript([]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const deltas: string[] = [];
    const history = [
      { role: 'user' as const, content: 'Design an endpoint' },
      { role: 'assistant' as const, content: 'POST /tasks' },
    ];
    const result = await session.turn({ history, message: 'Add validation', maxTokens: 500, tokenBudget: 10_000 }, { signal: new AbortController().signal, onEvent: (e) => (e.type === 'text' ? deltas.push(e.text) : undefined) });
    const body = sim.requests[0]?.body;
    expect(sim.requests[0]?.stream).toBe(true);
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
    await session.close();
  });

  it('refuses to start without a key, saying how to set one', async () => {
    const backend = new ApiBackend({ apiKey: undefined, baseUrl: sim.url });
    expect(() => backend.assertReady()).toThrow(/ANTHROPIC_API_KEY/);
    expect((await failure(backend.start(spec))).code).toBe('not_configured');
  });

  it('turns a server error into a clear error', async () => {
    sim.setScript([
      {
        reply: () => {
          throw new Error('boom');
        },
      },
    ]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const error = await failure(session.turn({ history: [], message: 'hi', maxTokens: 10, tokenBudget: 100 }, { signal: new AbortController().signal }));
    expect(error.code).toBe('backend_unavailable');
    expect(error.message).toMatch(/500/);
    sim.setScript([]);
  });

  it('says 404 is often an unknown model, and names an unreachable API', async () => {
    const wrongPath = await new ApiBackend({ apiKey: 'k', baseUrl: `${sim.url}/nowhere`, maxRetries: 0 }).start(spec);
    const notFound = await failure(wrongPath.turn({ history: [], message: 'hi', maxTokens: 10, tokenBudget: 100 }, { signal: new AbortController().signal }));
    expect(notFound.code).toBe('backend_error');
    expect(notFound.message).toMatch(/404/);

    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const unreachable = await new ApiBackend({ apiKey: 'k', baseUrl: url, maxRetries: 0 }).start(spec);
    const down = await failure(unreachable.turn({ history: [], message: 'hi', maxTokens: 10, tokenBudget: 100 }, { signal: new AbortController().signal }));
    expect(down.code).toBe('backend_unavailable');
    expect(down.message).toMatch(/Cannot reach/);
  });

  it('maps a 400 to a refusal that quotes the API', async () => {
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start({ ...spec, model: '' });
    const error = await failure(session.turn({ history: [], message: 'hi', maxTokens: 10, tokenBudget: 100 }, { signal: new AbortController().signal }));
    expect(error.code).toBe('backend_error');
    expect(error.message).toMatch(/400/);
  });

  it('stops a turn when its signal aborts, with the abort reason', async () => {
    sim.setScript([{ reply: 'slow', latencyMs: 10_000 }]);
    const session = await new ApiBackend({ apiKey: 'k', baseUrl: sim.url, maxRetries: 0 }).start(spec);
    const controller = new AbortController();
    const turn = session.turn({ history: [], message: 'hi', maxTokens: 10, tokenBudget: 100 }, { signal: controller.signal });
    await expect.poll(() => sim.inFlight).toBe(1);
    controller.abort(new OrchestratorError('timeout', 'too slow'));
    const error = await failure(turn);
    expect(error.code).toBe('timeout');
    sim.setScript([]);
  });
});
