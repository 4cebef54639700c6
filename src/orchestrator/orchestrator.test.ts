import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { usageFromApi } from '../domain/usage.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { estimateTokens, utf8Bytes } from '../backends/call-budget.js';

let fx: Fixture;
afterEach(async () => {
  await fx?.orchestrator.close();
});

/** The first hold's prompt estimate for a conversation of these message texts. */
function promptOf(system: string, contents: readonly string[]): number {
  return estimateTokens(utf8Bytes(system) + contents.reduce((n, c) => n + utf8Bytes(c), 0), contents.length);
}

async function systemPrompt(id: string): Promise<string> {
  return (await fx.store.getInstance(id))?.systemPrompt ?? '';
}

async function rejects(promise: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<OrchestratorError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(OrchestratorError);
    const e = error as OrchestratorError;
    expect(e.code).toBe(code);
    if (pattern) expect(e.message).toMatch(pattern);
    return e;
  }
  throw new Error('expected a rejection');
}

describe('spawn', () => {
  it('creates an idle instance with its own workspace named by its id and the role prompt plus the custom one', async () => {
    fx = orchestratorFixture();
    const spawned = await fx.orchestrator.spawnInstance({ name: 'React Dev', role: 'frontend_developer', system_prompt: 'Use Tailwind.' });
    expect(spawned.state).toBe('idle');
    expect(spawned.instance_id).toMatch(/^inst_[0-9a-f]{32}$/);
    expect(spawned.workspace).toBe(`${fx.config.workspaceDir}/${spawned.instance_id}`);
    expect(existsSync(spawned.workspace)).toBe(true);
    await fx.orchestrator.sendToInstance({ instance_id: spawned.instance_id, message: 'hi' });
    const prompt = fx.backend.calls[0]?.spec.systemPrompt ?? '';
    expect(prompt).toMatch(/frontend developer/);
    expect(prompt.endsWith('Use Tailwind.')).toBe(true);
  });

  it('defaults the role to general and the model to the configured one', async () => {
    fx = orchestratorFixture({ defaultModel: 'claude-opus-5-5' });
    const spawned = await fx.orchestrator.spawnInstance({ name: 'x' });
    expect(spawned.role).toBe('general');
    expect(spawned.model).toBe('claude-opus-5-5');
    expect(spawned.limits).toEqual({ max_total_tokens: 100_000, max_cost_usd: null, timeout_minutes: 60 });
  });

  it('refuses past MAX_INSTANCES with a message saying what to do', async () => {
    fx = orchestratorFixture({ maxInstances: 2 });
    const a = await fx.orchestrator.spawnInstance({ name: 'a' });
    await fx.orchestrator.spawnInstance({ name: 'b' });
    await rejects(fx.orchestrator.spawnInstance({ name: 'c' }), 'limit_exceeded', /MAX_INSTANCES=2/);
    await fx.orchestrator.terminateInstance({ instance_id: a.instance_id });
    await expect(fx.orchestrator.spawnInstance({ name: 'c' })).resolves.toMatchObject({ state: 'idle' });
  });

  it('refuses max_cost for a model with no price, and warns (never prices at 0) without it', async () => {
    fx = orchestratorFixture();
    await rejects(fx.orchestrator.spawnInstance({ name: 'x', model: 'claude-unknown-1', max_cost: 1 }), 'invalid_input', /not in the price table/);
    const spawned = await fx.orchestrator.spawnInstance({ name: 'x', model: 'claude-unknown-1' });
    expect(spawned.warnings.join()).toMatch(/no known price/);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: spawned.instance_id })).cost_usd).toBeNull();
  });

  it('explains how to set a key when the backend is not configured', async () => {
    fx = orchestratorFixture();
    fx.backend.ready = false;
    await rejects(fx.orchestrator.spawnInstance({ name: 'x' }), 'not_configured', /ANTHROPIC_API_KEY/);
  });

  it('validates input with errors naming the field', async () => {
    fx = orchestratorFixture();
    await rejects(fx.orchestrator.spawnInstance({ name: 'x', role: 'wizard' as never }), 'invalid_input', /role/);
    await rejects(fx.orchestrator.spawnInstance({ name: '' }), 'invalid_input', /name/);
    await rejects(fx.orchestrator.spawnInstance({ name: 'x', parent_id: 'nope' }), 'not_found', /nope/);
  });
});

describe('send', () => {
  it('carries the whole history and accounts usage and cost exactly', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    fx.backend.enqueue(
      { text: 'first', usage: usageFromApi({ input_tokens: 100, output_tokens: 20 }) },
      { text: 'second', usage: usageFromApi({ input_tokens: 130, output_tokens: 30, cache_read_input_tokens: 50 }) },
    );
    const one = await fx.orchestrator.sendToInstance({ instance_id, message: 'hello' });
    const two = await fx.orchestrator.sendToInstance({ instance_id, message: 'again' });
    expect(one.reply).toBe('first');
    expect(two.reply).toBe('second');
    expect(fx.backend.calls[1]?.input.history).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'first' },
    ]);
    // Sonnet 5.5: $2/MTok in, $10/MTok out, $0.10/MTok cache read.
    expect(one.cost_usd).toBe((100 * 2 + 20 * 10) / 1e6);
    expect(two.instance_usage).toEqual({ input_tokens: 230, output_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 50, total_tokens: 330 });
    const status = await fx.orchestrator.getInstanceStatus({ instance_id });
    expect(status.turns).toBe(2);
    expect(status.cost_usd).toBe((230 * 2000 + 50 * 10000 + 50 * 100) / 1e9);
    expect(status.mean_response_ms).toBe(3);
    expect((await fx.orchestrator.totals()).usage.total_tokens).toBe(330);
  });

  it('terminates an instance that crosses its token limit, and then refuses sends naming the state', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x', max_total_tokens: 1000 });
    const prompt = promptOf(await systemPrompt(instance_id), ['go']);
    // The simulated turn reports more than was reserved, as a real model could: the instance still ends.
    fx.backend.enqueue({ usage: usageFromApi({ input_tokens: 990, output_tokens: 20 }) });
    const result = await fx.orchestrator.sendToInstance({ instance_id, message: 'go' });
    expect(result.state).toBe('terminated');
    expect(result.state_reason).toBe('limit:tokens');
    expect(result.warnings.join()).toMatch(/token limit/);
    expect(fx.backend.calls[0]?.maxTokens).toBe(1000 - prompt);
    await rejects(fx.orchestrator.sendToInstance({ instance_id, message: 'more' }), 'invalid_state', /terminated .*token limit/);
  });

  it('caps max_tokens of a turn at what the budget has left after the prompt, and refuses a prompt that does not fit', async () => {
    fx = orchestratorFixture({ maxOutputTokens: 8192 });
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x', max_total_tokens: 2000 });
    const system = await systemPrompt(instance_id);
    fx.backend.enqueue({ text: 'r', usage: usageFromApi({ input_tokens: 600, output_tokens: 100 }) });
    await fx.orchestrator.sendToInstance({ instance_id, message: 'a' });
    await fx.orchestrator.sendToInstance({ instance_id, message: 'b' });
    const first = promptOf(system, ['a']);
    const second = promptOf(system, ['a', 'r', 'b']);
    expect(fx.backend.calls.map((c) => c.maxTokens)).toEqual([2000 - first, 2000 - 700 - second]);
    await rejects(fx.orchestrator.sendToInstance({ instance_id, message: 'x'.repeat(6000) }), 'limit_exceeded', /don't fit in what is left of its max_total_tokens \(2000\)/);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id })).state).toBe('idle');
  });

  it('waits for the budget that a turn in flight holds, instead of failing or shrinking its reply to a sliver', async () => {
    // One call's hold (its prompt and 8,192 output tokens at Sonnet's dearest rates, ~$0.082) leaves less of a
    // $0.084 budget than a useful reply (MIN_OUTPUT_TOKENS) needs.
    fx = orchestratorFixture({ maxTotalCostUsd: 0.084 });
    const a = await fx.orchestrator.spawnInstance({ name: 'a' });
    const b = await fx.orchestrator.spawnInstance({ name: 'b' });
    let open!: () => void;
    fx.backend.enqueue({ text: 'first', gate: new Promise((r) => (open = r)) }, { text: 'second' });
    const first = fx.orchestrator.sendToInstance({ instance_id: a.instance_id, message: 'go' });
    await expect.poll(() => fx.backend.calls.length).toBe(1);
    expect((await fx.orchestrator.totals()).in_flight_cost_usd).toBeGreaterThan(0.08);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: a.instance_id })).in_flight.tokens).toBeGreaterThan(8_192);
    const second = fx.orchestrator.sendToInstance({ instance_id: b.instance_id, message: 'go too' });
    // The second send is waiting for the hold, not failing, and has not reached the backend.
    await new Promise((r) => setTimeout(r, 50));
    expect(fx.backend.calls).toHaveLength(1);
    open();
    expect((await first).reply).toBe('first');
    expect((await second).reply).toBe('second');
    expect(fx.backend.calls.map((c) => c.maxTokens)).toEqual([8192, 8192]);
  });

  it('gives up waiting for held budget when the send times out, saying why', async () => {
    fx = orchestratorFixture({ maxTotalCostUsd: 0.084 });
    const a = await fx.orchestrator.spawnInstance({ name: 'a' });
    const b = await fx.orchestrator.spawnInstance({ name: 'b' });
    fx.backend.enqueue({ gate: new Promise(() => undefined) });
    void fx.orchestrator.sendToInstance({ instance_id: a.instance_id, message: 'go' }).catch(() => undefined);
    await expect.poll(() => fx.backend.calls.length).toBe(1);
    await rejects(fx.orchestrator.sendToInstance({ instance_id: b.instance_id, message: 'go', timeout_seconds: 0.3 }), 'timeout', /waited .* for budget that model calls in flight still hold/);
    // Nothing was written for the send that never started.
    expect((await fx.orchestrator.getInstanceOutput({ instance_id: b.instance_id })).total).toBe(0);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: b.instance_id })).state).toBe('idle');
  });

  it('terminates on the cost limit', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x', max_cost: 0.01 });
    fx.backend.enqueue({ usage: usageFromApi({ input_tokens: 1000, output_tokens: 1000 }) }); // $0.012
    const result = await fx.orchestrator.sendToInstance({ instance_id, message: 'go' });
    expect(result.state_reason).toBe('limit:cost');
  });

  it('refuses sends once the global budget is spent', async () => {
    fx = orchestratorFixture({ maxTotalCostUsd: 0.01 });
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    fx.backend.enqueue({ usage: usageFromApi({ input_tokens: 1000, output_tokens: 1000 }) }); // $0.012
    await fx.orchestrator.sendToInstance({ instance_id, message: 'go' });
    await rejects(fx.orchestrator.sendToInstance({ instance_id, message: 'more' }), 'limit_exceeded', /MAX_TOTAL_COST/);
    await rejects(fx.orchestrator.spawnInstance({ name: 'y' }), 'limit_exceeded', /global cost budget/);
  });

  it('terminates an instance past its lifetime on the next send and in the health sweep', async () => {
    fx = orchestratorFixture();
    const a = await fx.orchestrator.spawnInstance({ name: 'a', timeout_minutes: 1 });
    const b = await fx.orchestrator.spawnInstance({ name: 'b', timeout_minutes: 1 });
    fx.clock.ms += 61_000;
    await rejects(fx.orchestrator.sendToInstance({ instance_id: a.instance_id, message: 'hi' }), 'limit_exceeded', /lifetime/);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: a.instance_id })).state_reason).toBe('timeout');
    expect(await fx.orchestrator.enforceLimits()).toEqual([b.instance_id]);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: b.instance_id })).state).toBe('terminated');
  });

  it('keeps a failed turn out of the history sent next time, counts the error, and stays usable', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    fx.backend.enqueue({ error: new OrchestratorError('backend_unavailable', 'API down (529)') }, { text: 'ok' });
    await rejects(fx.orchestrator.sendToInstance({ instance_id, message: 'first' }), 'backend_unavailable', /529/);
    const status = await fx.orchestrator.getInstanceStatus({ instance_id });
    expect(status).toMatchObject({ state: 'idle', error_count: 1, last_error: 'API down (529)' });
    await fx.orchestrator.sendToInstance({ instance_id, message: 'second' });
    expect(fx.backend.calls[1]?.input.history).toEqual([]);
    const output = await fx.orchestrator.getInstanceOutput({ instance_id });
    expect(output.messages.map((m) => [m.role, m.content, m.failed ?? false])).toEqual([
      ['user', 'first', true],
      ['user', 'second', false],
      ['assistant', 'ok', false],
    ]);
  });

  it('times out a slow turn with a clear error and leaves the instance idle', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    fx.backend.enqueue({ gate: new Promise(() => undefined) });
    await rejects(fx.orchestrator.sendToInstance({ instance_id, message: 'slow', timeout_seconds: 0.05 }), 'timeout', /timeout_seconds/);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id })).state).toBe('idle');
  });

  it('runs concurrent sends to one instance one at a time, in order', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    let open!: () => void;
    fx.backend.enqueue({ text: 'r1', gate: new Promise((r) => (open = r)) }, { text: 'r2' }, { text: 'r3' });
    const sends = ['m1', 'm2', 'm3'].map((message) => fx.orchestrator.sendToInstance({ instance_id, message }));
    await expect.poll(() => fx.backend.calls.length).toBe(1);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id })).state).toBe('busy');
    open();
    expect((await Promise.all(sends)).map((r) => r.reply)).toEqual(['r1', 'r2', 'r3']);
    expect(fx.backend.calls[2]?.input.history.map((m) => m.content)).toEqual(['m1', 'r1', 'm2', 'r2']);
  });

  it('aborts a turn when the caller signal aborts', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    fx.backend.enqueue({ gate: new Promise(() => undefined) });
    const controller = new AbortController();
    const sending = fx.orchestrator.sendToInstance({ instance_id, message: 'slow' }, { signal: controller.signal });
    await expect.poll(() => fx.backend.calls.length).toBe(1);
    controller.abort(new OrchestratorError('cancelled', 'client went away'));
    await rejects(sending, 'cancelled');
  });
});

describe('output, status, list', () => {
  it('pages the conversation with roles, timestamps and per-turn usage', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    for (const m of ['a', 'b', 'c']) await fx.orchestrator.sendToInstance({ instance_id, message: m });
    const page = await fx.orchestrator.getInstanceOutput({ instance_id, limit: 2, offset: 1 });
    expect(page.total).toBe(6);
    expect(page.messages.map((m) => `${m.seq}:${m.role}`)).toEqual(['2:assistant', '3:user']);
    expect(page.messages[0]?.usage?.total_tokens).toBe(15);
    expect(page.messages[0]?.at).toBe('2026-11-25T12:00:00.000Z');
  });

  it('lists live instances newest first, or all with include_terminated, with global totals', async () => {
    fx = orchestratorFixture();
    const a = await fx.orchestrator.spawnInstance({ name: 'a' });
    const b = await fx.orchestrator.spawnInstance({ name: 'b' });
    await fx.orchestrator.terminateInstance({ instance_id: a.instance_id });
    expect((await fx.orchestrator.listInstances()).instances.map((i) => i.name)).toEqual(['b']);
    const all = await fx.orchestrator.listInstances({ include_terminated: true, limit: 1 });
    expect(all.total).toBe(2);
    expect(all.instances.map((i) => i.instance_id)).toEqual([b.instance_id]);
    expect(all.totals).toMatchObject({ instances_live: 1, instances_total: 2, cost_usd: 0, max_total_cost_usd: 100 });
  });

  it('says not found for any unknown id, whatever its format', async () => {
    fx = orchestratorFixture();
    for (const id of ['inst_00000000000000000000000000000000', '../../etc', '💥', 'x'.repeat(200)]) {
      await rejects(() => fx.orchestrator.getInstanceStatus({ instance_id: id }), 'not_found', /not found/);
    }
  });
});

describe('terminate', () => {
  it('terminates children first, removes workspaces unless kept, and reports final usage', async () => {
    fx = orchestratorFixture();
    const parent = await fx.orchestrator.spawnInstance({ name: 'p' });
    const child = await fx.orchestrator.spawnInstance({ name: 'c', parent_id: parent.instance_id, keep_workspace: true });
    const grandchild = await fx.orchestrator.spawnInstance({ name: 'g', parent_id: child.instance_id });
    await fx.orchestrator.sendToInstance({ instance_id: parent.instance_id, message: 'hi' });
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: parent.instance_id })).children).toEqual([child.instance_id]);
    const result = await fx.orchestrator.terminateInstance({ instance_id: parent.instance_id });
    expect(result).toMatchObject({ state: 'terminated', reason: 'requested', turns: 1, workspace_removed: true });
    expect(result.usage.total_tokens).toBe(15);
    expect(result.terminated_children).toEqual([child.instance_id, grandchild.instance_id]);
    expect((await fx.orchestrator.getInstanceStatus({ instance_id: child.instance_id })).state_reason).toBe('parent_terminated');
    expect(existsSync(parent.workspace)).toBe(false);
    expect(existsSync(child.workspace)).toBe(true);
    expect(existsSync(grandchild.workspace)).toBe(false);
    expect(fx.backend.closed).toEqual([grandchild.instance_id, child.instance_id, parent.instance_id]);
    await rejects(fx.orchestrator.terminateInstance({ instance_id: parent.instance_id }), 'invalid_state', /already terminated/);
    await rejects(fx.orchestrator.spawnInstance({ name: 'late', parent_id: parent.instance_id }), 'invalid_state', /live parent/);
  });

  it('records every transition with its reason', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'x' });
    await fx.orchestrator.sendToInstance({ instance_id, message: 'hi' });
    await fx.orchestrator.terminateInstance({ instance_id });
    expect((await fx.store.listEvents(instance_id)).map((e) => `${e.to}:${e.reason}`)).toEqual([
      'spawning:spawned',
      'idle:ready',
      'busy:turn_started',
      'idle:turn_finished',
      'terminating:requested',
      'terminated:requested',
    ]);
  });

  it('refuses work after close', async () => {
    fx = orchestratorFixture();
    await fx.orchestrator.close();
    await rejects(fx.orchestrator.spawnInstance({ name: 'x' }), 'unavailable', /shutting down/);
  });
});
