import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript, ClaudeCodeKit, turnSignal } from '../../test-support/claude-code-kit.js';
import { totalTokens } from '../../domain/usage.js';
import type { BackendEvent } from '../backend.js';
import type { ClaudeCodeSession } from './claude-code-session.js';
import { isRunning } from './process-identity.js';

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const turn = (message: string, history: { role: 'user' | 'assistant'; content: string }[] = []) => ({ history, message, maxTokens: 4_096, tokenBudget: 1_000_000 });

describe('claude-code backend: a real Claude Code agent', () => {
  it('writes a file in its workspace under the default policy; the result lists it, with usage and cost from the agent', async () => {
    const backend = kit.backend();
    const spec = kit.spec();
    const session = await backend.start(spec);
    const events: BackendEvent[] = [];
    const target = join(spec.workspace, 'notes', 'hello.txt');

    const result = await session.turn(turn(`WRITE ${target} hello-from-agent`), { signal: turnSignal(), onEvent: (e) => events.push(e) });

    expect(readFileSync(target, 'utf8')).toBe('hello-from-agent\n');
    expect(result.changedFiles).toEqual(['notes/hello.txt']);
    expect(result.permissionDenials).toEqual([]);
    expect(result.toolCalls).toMatchObject([{ name: 'Write', isError: false, input: { file_path: target } }]);
    expect(result.text).toContain('done:');
    expect(result.model).toBe('claude-sonnet-5-5');
    expect(result.stopReason).toBe('end_turn');
    // Two model calls (the tool call, then the answer): the prompt is large and mostly cached after the first.
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.cacheCreationInputTokens + result.usage.cacheReadInputTokens + result.usage.inputTokens).toBeGreaterThan(1_000);
    expect(result.agentCostUsd).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'usage')).toEqual([{ type: 'usage', usage: result.usage }]);
    expect(events.some((e) => e.type === 'text')).toBe(true);
    expect(JSON.parse(result.backendState ?? '{}')).toEqual({ claudeCode: { sessionId: (session as ClaudeCodeSession).sessionId } });
    // The role prompt reached the model, after Claude Code's own.
    expect(JSON.stringify(kit.sim.requests.at(-1)?.body.system)).toContain('You are a careful test agent.');
    await session.terminate?.();
  });

  it('keeps the process warm across turns, parks it when idle, and resumes the session afterwards', async () => {
    const backend = kit.backend({ timings: { idleMs: 1_500 } });
    const spec = kit.spec();
    const session = (await backend.start(spec)) as ClaudeCodeSession;
    const first = session.agentPid;
    expect(first).toBeDefined();

    const one = await session.turn(turn('remember the word PELICAN'), { signal: turnSignal() });
    expect(session.agentPid).toBe(first);
    const two = await session.turn(turn('and the word WALRUS'), { signal: turnSignal() });
    expect(session.agentPid).toBe(first);
    expect(totalTokens(two.usage)).toBeGreaterThan(0);

    await expect.poll(() => session.state, { timeout: 15_000 }).toBe('parked');
    expect(isRunning(first as number)).toBe(false);

    kit.sim.reset();
    const three = await session.turn(
      turn('what were the words?', [
        { role: 'user', content: 'remember the word PELICAN' },
        { role: 'assistant', content: one.text },
      ]),
      { signal: turnSignal() },
    );
    expect(session.agentPid).not.toBe(first);
    expect(three.text).toContain('what were the words?');
    // The resumed process sent the model the whole conversation, from before the park.
    const resumed = JSON.stringify(kit.sim.requests.at(-1)?.body.messages);
    expect(resumed).toContain('PELICAN');
    expect(resumed).toContain('WALRUS');
    await session.terminate?.();
  });

  it('reports a failed turn that cost nothing as an error (a rejected key is not_configured), and stays usable', async () => {
    const reject = { kind: 'status', status: 401, message: 'invalid x-api-key', headers: { 'x-should-retry': 'false' } } as const;
    kit.sim.setScript(agentScript([{ match: { lastUser: 'FAIL-PLEASE' }, reply: 'unused', faults: [reject, reject, reject] }]));
    const session = await kit.backend().start(kit.spec());
    await expect(session.turn(turn('FAIL-PLEASE'), { signal: turnSignal() })).rejects.toMatchObject({ code: 'not_configured' });
    kit.sim.setScript(agentScript());
    const after = await session.turn(turn('still there?'), { signal: turnSignal() });
    expect(after.text).toContain('still there?');
    await session.terminate?.();
  });

  it('stops a turn that outgrows its token budget, and charges what it used', async () => {
    const spec = kit.spec();
    const session = await kit.backend().start(spec);
    const result = await session.turn({ ...turn(`WRITE ${join(spec.workspace, 'big.txt')} x`), tokenBudget: 100 }, { signal: turnSignal() });
    expect(result.stopReason).toBe('token_budget');
    expect(totalTokens(result.usage)).toBeGreaterThan(100);
    // The agent stays warm and usable after the interrupt.
    expect((session as ClaudeCodeSession).state).toBe('warm');
    expect((await session.turn(turn('next'), { signal: turnSignal() })).stopReason).toBe('end_turn');
    await session.terminate?.();
  });

  it('refuses a turn that is already cancelled without disturbing the warm agent', async () => {
    const session = (await kit.backend().start(kit.spec())) as ClaudeCodeSession;
    const pid = session.agentPid;
    await expect(session.turn(turn('never sent'), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(session.agentPid).toBe(pid);
    await session.terminate();
  });

  it('resumes in a new process when another server on the same WORKSPACE_DIR took turns meanwhile', async () => {
    const spec = kit.spec();
    const elsewhere = async (message: string) => {
      const there = await kit.backend().start(spec);
      await there.turn(turn(message), { signal: turnSignal() });
      await there.close();
    };
    // Warm here but unused when the other server (holding the orchestrator's lease) starts the session.
    const here = (await kit.backend().start(spec)) as ClaudeCodeSession;
    const fresh = here.agentPid;
    await elsewhere('first, there: OSTRICH');

    await here.turn(turn('second, here: FLAMINGO'), { signal: turnSignal() });
    const resumed = here.agentPid;
    expect(resumed).not.toBe(fresh);
    expect(JSON.stringify(kit.sim.requests.at(-1)?.body.messages)).toContain('OSTRICH');

    await elsewhere('third, there: PELICAN');
    await here.turn(turn('fourth, here'), { signal: turnSignal() });
    expect(here.agentPid).not.toBe(resumed);
    const seen = JSON.stringify(kit.sim.requests.at(-1)?.body.messages);
    for (const word of ['OSTRICH', 'FLAMINGO', 'PELICAN']) expect(seen).toContain(word);
    await here.terminate();
  });
});
