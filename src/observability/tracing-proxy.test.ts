import Anthropic from '@anthropic-ai/sdk';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentModelRoute } from '../backends/claude-code/agent-model-route.js';
import { ModelProxy } from '../backends/claude-code/model-proxy.js';
import type { CallBudget, CallHold, HoldRequest } from '../backends/call-budget.js';
import { OrchestratorError } from '../domain/errors.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { inMemoryTracing } from '../test-support/tracing-harness.js';
import { withSpan } from './tracing.js';

// A Claude Code agent's model calls reach us over HTTP, at the model proxy, outside any async context of its
// turn: their spans must still be children of that turn's span, which the agent's route remembers.
const MODEL = 'claude-sonnet-5-5';
const { exporter } = inMemoryTracing();
let sim: RunningSimulator;
let proxy: ModelProxy;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await ModelProxy.start({ upstream: { baseUrl: sim.url, apiKey: 'sk-real', oauthToken: undefined } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});
beforeEach(() => {
  sim.setScript([]);
});

/** Grants every hold with a cap, or refuses them all. */
function budget(refuse = false): CallBudget {
  return {
    hold: async (request: HoldRequest): Promise<CallHold> => {
      if (refuse) throw new OrchestratorError('limit_exceeded', 'The budget is spent.');
      return { maxTokens: Math.min(request.maxTokens ?? 4_096, 300), settle: async () => undefined, release: async () => undefined };
    },
  };
}

/** The agent's SDK, as Claude Code runs it: the proxy's URL and its capability token. */
function agentClient(route: AgentModelRoute): Anthropic {
  return new Anthropic({ baseURL: route.baseUrl, apiKey: route.token, maxRetries: 0, openTelemetry: false });
}

/** Runs `fn` as an agent's turn: the route begins inside the turn's span, as the session does. */
async function inTurn(route: AgentModelRoute, calls: CallBudget, fn: () => Promise<void>): Promise<ReadableSpan> {
  let turnId = '';
  await withSpan('invoke_agent Coder', {}, async (span) => {
    turnId = span.spanContext().spanId;
    route.begin(calls, new AbortController().signal);
    // The agent's requests carry no trace context of ours: run them from the root context.
    await context.with(ROOT_CONTEXT, fn);
    route.end();
  });
  return exporter.getFinishedSpans().find((s) => s.spanContext().spanId === turnId) as ReadableSpan;
}

const chats = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name.startsWith('chat '));

describe('model-proxy spans (Claude Code agents)', () => {
  it('each call an agent makes through the proxy is a chat span under its turn, with the GenAI attributes', async () => {
    const route = new AgentModelRoute(proxy, 'inst-1', () => undefined);
    const turn = await inTurn(route, budget(), async () => {
      const client = agentClient(route);
      await client.messages.create({ model: MODEL, max_tokens: 1_000, messages: [{ role: 'user', content: 'plain call' }] });
      await client.messages.stream({ model: MODEL, max_tokens: 1_000, messages: [{ role: 'user', content: 'streamed call' }] }).finalMessage();
    });
    route.close();
    expect(chats()).toHaveLength(2);
    for (const chat of chats()) {
      expect(chat.name).toBe(`chat ${MODEL}`);
      expect(chat.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
      expect(chat.spanContext().traceId).toBe(turn.spanContext().traceId);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': MODEL,
        // What the budget granted, not what the agent asked for.
        'gen_ai.request.max_tokens': 300,
        'gen_ai.response.model': MODEL,
        'gen_ai.response.finish_reasons': ['end_turn'],
        'orchestrator.call.via': 'model_proxy',
        'http.response.status_code': 200,
      });
      expect(chat.attributes['gen_ai.response.id']).toMatch(/^msg_/);
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(chat.status.code).toBe(0);
    }
  });

  it('a call the budget refuses, and one the API fails, are error spans under the turn', async () => {
    const refused = new AgentModelRoute(proxy, 'inst-2', () => undefined);
    const turn = await inTurn(refused, budget(true), async () => {
      await expect(agentClient(refused).messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(/refused/);
    });
    refused.close();
    const [refusal] = chats();
    expect(refusal?.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    expect(refusal?.status.code).toBe(2);
    expect(refusal?.attributes['error.type']).toBe('limit_exceeded');

    exporter.reset();
    sim.setScript([{ reply: 'never', faults: [{ kind: 'status', status: 529 }] }]);
    const failing = new AgentModelRoute(proxy, 'inst-3', () => undefined);
    await inTurn(failing, budget(), async () => {
      await expect(agentClient(failing).messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow();
    });
    failing.close();
    const [failed] = chats();
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes).toMatchObject({ 'error.type': '529', 'http.response.status_code': 529 });
  });
});
