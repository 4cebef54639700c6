import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectOnAbort } from '../../async/reject-on-abort.js';
import { OrchestratorError } from '../../domain/errors.js';
import { usageFromApi } from '../../domain/usage.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { deferred } from '../../test-support/fake-port.js';
import { startHeaderRecorder } from '../../test-support/header-recorder.js';
import { rawRequest } from '../../test-support/http.js';
import type { CallBudget, CallHold, HoldRequest, SettledCall } from '../call-budget.js';
import { ModelProxy, type AgentRoute, type ProxyUpstream } from './model-proxy.js';
import { sseUsageReader } from './sse-usage.js';

const MODEL = 'claude-sonnet-5-5';
const REAL_KEY = 'sk-ant-real-key-that-only-the-proxy-holds';
const LONG_REPLY = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
const BIG_SYSTEM = 'y'.repeat(6_000); // about 1,500 tokens: past Sonnet's minimum cacheable prompt

/** One hold the fake budget granted, and how it was closed. */
interface HoldRecord {
  readonly request: HoldRequest;
  readonly settles: SettledCall[];
  releases: number;
}

/** Our own CallBudget interface, faked: grants holds capped at `cap`, or refuses, or waits at `gate`. */
class RecordingBudget implements CallBudget {
  readonly holds: HoldRecord[] = [];
  cap = 100_000;
  refusal: Error | undefined;
  gate: Promise<void> | undefined;
  /** Hold requests waiting at the gate right now. */
  waiting = 0;
  failSettle = false;

  async hold(request: HoldRequest, signal: AbortSignal): Promise<CallHold> {
    if (this.gate) {
      this.waiting += 1;
      try {
        await rejectOnAbort(this.gate, signal, () => new OrchestratorError('cancelled', 'The turn was cancelled.'));
      } finally {
        this.waiting -= 1;
      }
    }
    if (this.refusal) throw this.refusal;
    const record: HoldRecord = { request, settles: [], releases: 0 };
    this.holds.push(record);
    return {
      maxTokens: Math.min(request.maxTokens ?? 8_192, this.cap),
      settle: async (call) => {
        record.settles.push(call);
        if (this.failSettle) throw new Error('the store is gone');
      },
      release: async () => {
        record.releases += 1;
      },
    };
  }

  /** Holds not yet settled or released. */
  get open(): number {
    return this.holds.filter((h) => h.settles.length + h.releases === 0).length;
  }

  /** Every hold was closed exactly once: settled or released, never both, never twice. */
  expectEachClosedOnce(): void {
    for (const h of this.holds) expect(h.settles.length + h.releases).toBe(1);
  }
}

/** Polls until `check` holds; fails after a generous deadline rather than sleeping a guessed time. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function outcome<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

describe('ModelProxy: every model call of a Claude Code agent held against its budget', () => {
  let sim: RunningSimulator;
  let proxy: ModelProxy;
  let budget: RecordingBudget;
  let refused: OrchestratorError[];
  let turn: AbortController;
  let token: string;
  let agent: Anthropic;

  const start = async (upstream: Partial<ProxyUpstream> = {}, simOptions: Parameters<typeof startSimulator>[0] = {}): Promise<void> => {
    sim = await startSimulator({ script: [{ match: { lastUser: 'long' }, reply: LONG_REPLY }, { reply: 'Proxied hello.' }], ...simOptions });
    proxy = await ModelProxy.start({ upstream: { baseUrl: sim.url, apiKey: REAL_KEY, oauthToken: undefined, ...upstream } });
    const route: AgentRoute = { budget, signal: () => turn.signal, onRefused: (error) => refused.push(error) };
    token = proxy.register(route);
    agent = new Anthropic({ baseURL: proxy.url, apiKey: token, maxRetries: 0 });
  };

  beforeEach(() => {
    budget = new RecordingBudget();
    refused = [];
    turn = new AbortController();
  });

  afterEach(async () => {
    await proxy.close();
    // No path through the proxy may leave a hold open or close one twice.
    expect(budget.open).toBe(0);
    budget.expectEachClosedOnce();
    await sim.close();
  });

  const ask = (content: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Anthropic.MessageCreateParamsNonStreaming => ({
    model: MODEL,
    max_tokens: 1_000,
    messages: [{ role: 'user', content }],
    ...extra,
  });

  it('streams a call through (with Claude Code ?beta=true query) and settles exactly the usage the API reported', async () => {
    await start();
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: BIG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }];
    for (const expectCache of ['write', 'read'] as const) {
      // Claude Code sends its model calls as POST /v1/messages?beta=true.
      const stream = agent.beta.messages.stream({ ...ask('hello'), system }, { query: { beta: 'true' } });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const final = await stream.finalMessage();
      expect(text).toBe('Proxied hello.');
      const settled = budget.holds.at(-1)?.settles[0];
      expect(settled?.usage).toEqual(usageFromApi(final.usage));
      expect(settled?.model).toBe(final.model);
      expect(settled?.usage[expectCache === 'write' ? 'cacheCreation1hInputTokens' : 'cacheReadInputTokens']).toBeGreaterThan(1_000);
    }
    expect(sim.requests.map((r) => r.path)).toEqual(['/v1/messages?beta=true', '/v1/messages?beta=true']);
    // The model the call asks for travels with the hold: a dearer one than the instance's prices it.
    expect(budget.holds[0]?.request).toEqual({ promptTokens: expect.any(Number) as number, maxTokens: 1_000, model: 'claude-sonnet-5-5' });
    expect(budget.holds[0]?.request.promptTokens).toBeGreaterThan(6_000 / 3);
  });

  it('settles a non-streamed JSON call to the usage in its body', async () => {
    await start();
    const message = await agent.messages.create(ask('hello'));
    expect(budget.holds).toHaveLength(1);
    expect(budget.holds[0]?.settles).toEqual([{ usage: usageFromApi(message.usage), model: message.model, durationMs: expect.any(Number) as number }]);
  });

  it('rewrites max_tokens down to what the hold grants, and never up', async () => {
    await start();
    budget.cap = 50;
    await agent.messages.create(ask('hello'));
    await agent.messages.create(ask('hello', { max_tokens: 20 }));
    expect(sim.requests.map((r) => r.body.max_tokens)).toEqual([50, 20]);
  });

  it('shrinks an extended-thinking budget that no longer fits under the cap, or drops it below the API minimum', async () => {
    await start();
    const thinking = { type: 'enabled', budget_tokens: 4_000 } as const;
    budget.cap = 3_000;
    await agent.messages.create(ask('hello', { max_tokens: 8_000, thinking }));
    budget.cap = 1_000;
    await agent.messages.create(ask('hello', { max_tokens: 8_000, thinking }));
    budget.cap = 100_000;
    await agent.messages.create(ask('hello', { max_tokens: 8_000, thinking }));
    expect(sim.requests.map((r) => [r.body.max_tokens, r.body['thinking']])).toEqual([
      [3_000, { type: 'enabled', budget_tokens: 2_999 }],
      [1_000, undefined],
      [8_000, thinking],
    ]);
  });

  it('refuses a call whose budget is spent with a 400 the SDK will not retry, tells the route, and forwards nothing', async () => {
    await start();
    const spent = new OrchestratorError('limit_exceeded', 'Instance inst_1 has used its 100000-token budget.');
    budget.refusal = spent;
    const error = await outcome(agent.messages.create(ask('hello')));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect((error as APIError).message).toContain(`claude-orchestrator refused this model call: ${spent.message}`);
    expect(refused).toEqual([spent]);
    expect(sim.requests).toHaveLength(0);
  });

  it('answers 400 without calling onRefused when the hold fails for another reason (the turn was cancelled while waiting)', async () => {
    await start();
    budget.gate = new Promise(() => undefined);
    const call = outcome(agent.messages.create(ask('hello')));
    await until(() => budget.waiting === 1, 'the call waits for its hold');
    turn.abort();
    const error = await call;
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect((error as Error).message).toContain('The turn was cancelled.');
    expect(refused).toEqual([]);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses an unknown or unregistered token with 401, forwarding nothing; a Bearer token works like x-api-key', async () => {
    await start();
    const stranger = new Anthropic({ baseURL: proxy.url, apiKey: `orch-agent-${'0'.repeat(64)}`, maxRetries: 0 });
    expect(await outcome(stranger.messages.create(ask('hello')))).toMatchObject({ status: 401, type: 'authentication_error' });
    const bearer = new Anthropic({ baseURL: proxy.url, apiKey: null, authToken: token, maxRetries: 0 });
    await bearer.messages.create(ask('hello'));
    proxy.unregister(token);
    expect(await outcome(agent.messages.create(ask('hello')))).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(sim.requests).toHaveLength(1);
    expect(budget.holds).toHaveLength(1);
  });

  it('passes an upstream 529 through and releases the hold without charging it', async () => {
    await start();
    sim.injectFaults([{ kind: 'status', status: 529 }]);
    const error = await outcome(agent.messages.create(ask('hello')));
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect(budget.holds[0]).toMatchObject({ settles: [], releases: 1 });
  });

  it('when the agent hangs up mid-stream, aborts upstream and settles once with the usage seen so far', async () => {
    await start({}, { chunkDelayMs: 25 });
    const controller = new AbortController();
    const stream = agent.messages.stream(ask('a long one please'), { signal: controller.signal });
    stream.on('text', () => controller.abort());
    expect(await outcome(stream.finalMessage())).toBeInstanceOf(Anthropic.APIUserAbortError);
    await until(() => budget.open === 0 && sim.inFlight === 0, 'the hold is closed and the simulator saw the hang-up');
    // message_start carried the prompt's usage and 1 output token: that much was processed and is billed.
    expect(budget.holds[0]?.settles[0]?.usage).toMatchObject({ inputTokens: expect.any(Number) as number, outputTokens: 1 });
    expect(budget.holds[0]?.settles[0]?.usage.inputTokens).toBeGreaterThan(0);
  });

  it('when the turn is cancelled mid-stream, cuts the agent off and settles once with the partial usage', async () => {
    await start({}, { chunkDelayMs: 25 });
    const stream = agent.messages.stream(ask('a long one please'));
    stream.on('text', () => turn.abort());
    expect(await outcome(stream.finalMessage())).toBeInstanceOf(Error);
    await until(() => budget.open === 0 && sim.inFlight === 0, 'the hold is closed and upstream was aborted');
    expect(budget.holds[0]?.settles).toHaveLength(1);
  });

  it('when upstream cuts a stream, the agent sees the cut and the partial usage is settled', async () => {
    await start();
    sim.injectFaults([{ kind: 'reset', afterDeltas: 2 }]);
    expect(await outcome(agent.messages.stream(ask('a long one please')).finalMessage())).toBeInstanceOf(Error);
    await until(() => budget.open === 0, 'the hold is closed');
    expect(budget.holds[0]?.settles[0]?.usage.outputTokens).toBe(1);
  });

  it('releases the hold and answers 502 when upstream cannot be reached', async () => {
    await start();
    await sim.close();
    const error = await outcome(agent.messages.create(ask('hello')));
    expect(error).toMatchObject({ status: 502, type: 'api_error' });
    expect(budget.holds[0]).toMatchObject({ settles: [], releases: 1 });
  });

  it('sends the real key upstream and never the agent token', async () => {
    await start();
    const recorder = await startHeaderRecorder(sim.url);
    const viaRecorder = await ModelProxy.start({ upstream: { baseUrl: recorder.url, apiKey: REAL_KEY, oauthToken: undefined } });
    try {
      const agentToken = viaRecorder.register({ budget, signal: () => undefined, onRefused: () => undefined });
      await new Anthropic({ baseURL: viaRecorder.url, apiKey: agentToken, maxRetries: 0 }).messages.create(ask('hello'));
      const headers = recorder.seen[0] ?? {};
      expect(headers['x-api-key']).toBe(REAL_KEY);
      expect(headers.authorization).toBeUndefined();
      expect(headers['accept-encoding']).toBe('identity');
      expect(JSON.stringify(headers)).not.toContain(agentToken);
      expect(sim.requests[0]?.hasApiKey).toBe(true);
    } finally {
      await viaRecorder.close();
      await recorder.close();
    }
  });

  it('with an OAuth upstream, sends a Bearer token and adds the OAuth beta to the agent’s betas', async () => {
    await start();
    const recorder = await startHeaderRecorder(sim.url);
    const viaRecorder = await ModelProxy.start({ upstream: { baseUrl: recorder.url, apiKey: undefined, oauthToken: 'oauth-subscription-token' } });
    try {
      const agentToken = viaRecorder.register({ budget, signal: () => undefined, onRefused: () => undefined });
      const client = new Anthropic({ baseURL: viaRecorder.url, apiKey: agentToken, maxRetries: 0 });
      await client.beta.messages.create({ ...ask('hello'), betas: ['interleaved-thinking-2025-05-14'] });
      expect(recorder.seen[0]?.authorization).toBe('Bearer oauth-subscription-token');
      expect(recorder.seen[0]?.['x-api-key']).toBeUndefined();
      expect(sim.requests[0]?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,oauth-2025-04-20');
    } finally {
      await viaRecorder.close();
      await recorder.close();
    }
  });

  it('passes count_tokens through without a hold', async () => {
    await start();
    const counted = await agent.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hello' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(budget.holds).toHaveLength(0);
  });

  it('holds a model call however its path is spelled, and refuses batch endpoints that would bypass the hold', async () => {
    await start();
    const body = JSON.stringify(ask('hello'));
    const headers = { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
    expect((await rawRequest(proxy.url, '/v1/x/../%6Dessages/', { method: 'POST', headers, body })).status).toBe(200);
    expect(budget.holds).toHaveLength(1);
    const batch = await rawRequest(proxy.url, '/v1//messages%2Fbatches', { method: 'POST', headers, body: '{"requests":[]}' });
    expect(batch.status).toBe(403);
    expect(batch.json()).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    const garbled = await rawRequest(proxy.url, '/v1/messages', { method: 'POST', headers, body: '{"messages": "not a list"' });
    expect(garbled.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(sim.requests).toHaveLength(1);
    expect(budget.holds).toHaveLength(1);
  });

  it('logs a failing settle instead of crashing: the agent still gets its reply and the next call works', async () => {
    await start();
    budget.failSettle = true;
    await agent.messages.create(ask('hello'));
    budget.failSettle = false;
    await agent.messages.create(ask('hello'));
    expect(budget.holds.map((h) => h.settles.length)).toEqual([1, 1]);
  });

  it('close() ends in-flight calls and leaves no hold open', async () => {
    await start({}, { chunkDelayMs: 25 });
    const firstText = deferred();
    const streaming = agent.messages.stream(ask('a long one please'));
    streaming.on('text', () => firstText.resolve());
    const ended = outcome(streaming.finalMessage());
    await firstText.promise;
    budget.gate = new Promise(() => undefined);
    const waiting = outcome(agent.messages.create(ask('hello')));
    await until(() => budget.waiting === 1, 'the second call waits for its hold');
    await proxy.close();
    expect(await ended).toBeInstanceOf(Error);
    expect(await waiting).toBeInstanceOf(Error);
    expect(budget.open).toBe(0);
    expect(budget.holds).toHaveLength(1);
    expect(budget.holds[0]?.settles).toHaveLength(1);
  });
});

describe('sseUsageReader', () => {
  it('reads usage however the stream is split: message_start opens it, each message_delta replaces the fields it carries', () => {
    const frames = [
      'event: message_start\r\ndata: {"type":"message_start","message":{"model":"claude-sonnet-5-5","usage":{"input_tokens":12,"output_tokens":1,"cache_creation_input_tokens":30,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_1h_input_tokens":30}}}}\r\n\r\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":9,"input_tokens":null}}\n\n',
    ];
    const reader = sseUsageReader();
    expect(reader.seen()).toBeUndefined();
    // One byte at a time: lines, events and multi-byte characters all straddle chunk boundaries.
    for (const byte of Buffer.from(frames.join(''), 'utf8')) reader.push(Uint8Array.of(byte));
    expect(reader.seen()).toEqual({
      model: 'claude-sonnet-5-5',
      usage: { inputTokens: 12, outputTokens: 9, cacheCreationInputTokens: 30, cacheCreation1hInputTokens: 30, cacheReadInputTokens: 0 },
    });
  });
});
