import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript, ClaudeCodeKit, turnSignal } from '../../test-support/claude-code-kit.js';
import { addUsage, totalTokens, ZERO_USAGE } from '../../domain/usage.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { BackendEvent } from '../backend.js';
import { BUDGET_EXHAUSTED } from '../call-budget.js';
import type { ClaudeCodeSession } from './claude-code-session.js';
import { isRunning } from './process-identity.js';

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

/** The directive of a model that loops forever (see the budget test). */
const LOOP = 'LOOP-FOREVER-5c1e';

const turn = (message: string, history: { role: 'user' | 'assistant'; content: string }[] = []) => ({ history, message });

describe('claude-code backend: a real Claude Code agent', () => {
  it('writes a file in its workspace under the default policy; the result lists it, with usage and cost from the agent', async () => {
    const backend = kit.backend();
    const spec = kit.spec();
    const session = await backend.start(spec);
    const events: BackendEvent[] = [];
    const target = join(spec.workspace, 'notes', 'hello.txt');
    const budget = new TestBudget();

    const result = await session.turn(turn(`WRITE ${target} hello-from-agent`), { signal: turnSignal(), calls: budget, onEvent: (e) => events.push(e) });

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
    // Every model call went through the proxy and was held against the turn's budget: each hold settled with
    // what the API reported, together exactly the usage the agent reports for the turn.
    expect(budget.settled).toHaveLength(2);
    expect(budget).toMatchObject({ released: 0, refused: 0, open: 0 });
    expect(budget.settled.map((call) => call.usage).reduce(addUsage, ZERO_USAGE)).toEqual(result.usage);
    // The proxy capped what the agent asked for to what each hold granted.
    expect(budget.requests.every((request) => (request.maxTokens ?? 0) > budget.maxTokens)).toBe(true);
    expect(kit.sim.requests.slice(-2).map((r) => r.body.max_tokens)).toEqual([budget.maxTokens, budget.maxTokens]);
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

    const one = await session.turn(turn('remember the word PELICAN'), { signal: turnSignal(), calls: new TestBudget() });
    expect(session.agentPid).toBe(first);
    const two = await session.turn(turn('and the word WALRUS'), { signal: turnSignal(), calls: new TestBudget() });
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
      { signal: turnSignal(), calls: new TestBudget() },
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
    const failing = new TestBudget();
    await expect(session.turn(turn('FAIL-PLEASE'), { signal: turnSignal(), calls: failing })).rejects.toMatchObject({ code: 'not_configured' });
    // The refused calls were released, never charged.
    expect(failing.released).toBeGreaterThanOrEqual(1);
    expect(failing).toMatchObject({ settled: [], open: 0 });
    kit.sim.setScript(agentScript());
    const after = await session.turn(turn('still there?'), { signal: turnSignal(), calls: new TestBudget() });
    expect(after.text).toContain('still there?');
    await session.terminate?.();
  });

  it('stops a turn at the model call its budget refuses, and charges what the granted calls used', async () => {
    const spec = kit.spec();
    const session = (await kit.backend().start(spec)) as ClaudeCodeSession;
    const pid = session.agentPid;
    // Refuses once 100 tokens are used: the first call (the Write) is granted, the one after its result is not.
    const budget = new TestBudget(4_096, 100);
    kit.sim.reset();
    const result = await session.turn(turn(`WRITE ${join(spec.workspace, 'big.txt')} x`), { signal: turnSignal(), calls: budget });
    expect(result.stopReason).toBe(BUDGET_EXHAUSTED);
    expect(result.toolCalls).toMatchObject([{ name: 'Write', isError: false }]);
    expect(budget.refused).toBeGreaterThanOrEqual(1);
    expect(budget.settled).toHaveLength(1);
    expect(budget.usedTokens).toBeGreaterThan(100);
    expect(result.usage).toEqual(budget.settled[0]?.usage);
    expect(budget.open).toBe(0);
    // The refused call never reached the API.
    expect(kit.sim.requests).toHaveLength(1);
    // The agent stays warm and usable after the interrupt, with the next turn's budget.
    expect(session.state).toBe('warm');
    expect(session.agentPid).toBe(pid);
    const next = new TestBudget();
    expect((await session.turn(turn('next'), { signal: turnSignal(), calls: next })).stopReason).toBe('end_turn');
    expect(next).toMatchObject({ refused: 0, open: 0 });
    await session.terminate();
  });

  it('A claude-code agent asked to loop past its budget is stopped at it', async () => {
    // A model that never stops: every tool result it gets asks for the same command again.
    const again = { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: `echo ${LOOP}-again`, description: 'loop' } }] };
    kit.sim.setScript(agentScript([{ match: { lastUser: LOOP }, reply: again }]));
    const spec = kit.spec({ options: { permissions: { allowed_tools: ['Bash(echo:*)'] } } });
    const session = (await kit.backend().start(spec)) as ClaudeCodeSession;
    const pid = session.agentPid;
    // Each call of a Claude Code agent takes about 15k tokens (its own prompt), so this allows a few calls.
    const limit = 50_000;
    const budget = new TestBudget(4_096, limit);
    kit.sim.reset();
    try {
      const result = await session.turn(turn(`${LOOP} until told to stop`), { signal: turnSignal(), calls: budget });

      expect(result.stopReason).toBe(BUDGET_EXHAUSTED);
      expect(budget.refused).toBeGreaterThanOrEqual(1);
      expect(budget.open).toBe(0);
      // It looped (more than one call was granted) until the budget, not anything else, stopped it.
      expect(budget.settled.length).toBeGreaterThan(1);
      expect(budget.usedTokens).toBeGreaterThanOrEqual(limit);
      // Holds come before calls: only the last granted call can take the total past the budget.
      const last = budget.settled.at(-1);
      expect(budget.usedTokens - totalTokens(last?.usage ?? ZERO_USAGE)).toBeLessThan(limit);
      // Refused calls never reached the API; every granted one ran its command.
      expect(kit.sim.requests).toHaveLength(budget.settled.length);
      expect(result.toolCalls).toHaveLength(budget.settled.length);
      expect(result.toolCalls.every((call) => call.name === 'Bash' && !call.isError)).toBe(true);
      expect(budget.settled.map((call) => call.usage).reduce(addUsage, ZERO_USAGE)).toEqual(result.usage);
    } finally {
      kit.sim.setScript(agentScript());
    }
    // The agent is fine: the same warm process takes the next turn, with that turn's budget.
    expect(session.state).toBe('warm');
    expect(session.agentPid).toBe(pid);
    const next = new TestBudget();
    const after = await session.turn(turn('are you still there?'), { signal: turnSignal(), calls: next });
    expect(after.stopReason).toBe('end_turn');
    // The conversation goes on where the budget stopped it (the script answers the pending tool result).
    expect(JSON.stringify(kit.sim.requests.at(-1)?.body.messages.at(-1))).toContain('are you still there?');
    expect(after.text).toContain(`${LOOP}-again`);
    expect(next.settled).toHaveLength(1);
    expect(next).toMatchObject({ refused: 0, open: 0 });
    await session.terminate();
  });

  it('refuses a turn that is already cancelled without disturbing the warm agent', async () => {
    const session = (await kit.backend().start(kit.spec())) as ClaudeCodeSession;
    const pid = session.agentPid;
    await expect(session.turn(turn('never sent'), { signal: AbortSignal.abort(), calls: new TestBudget() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(session.agentPid).toBe(pid);
    await session.terminate();
  });

  it('resumes in a new process when another server on the same WORKSPACE_DIR took turns meanwhile', async () => {
    const spec = kit.spec();
    const elsewhere = async (message: string) => {
      const there = await kit.backend().start(spec);
      await there.turn(turn(message), { signal: turnSignal(), calls: new TestBudget() });
      await there.close();
    };
    // Warm here but unused when the other server (holding the orchestrator's lease) starts the session.
    const here = (await kit.backend().start(spec)) as ClaudeCodeSession;
    const fresh = here.agentPid;
    await elsewhere('first, there: OSTRICH');

    await here.turn(turn('second, here: FLAMINGO'), { signal: turnSignal(), calls: new TestBudget() });
    const resumed = here.agentPid;
    expect(resumed).not.toBe(fresh);
    expect(JSON.stringify(kit.sim.requests.at(-1)?.body.messages)).toContain('OSTRICH');

    await elsewhere('third, there: PELICAN');
    await here.turn(turn('fourth, here'), { signal: turnSignal(), calls: new TestBudget() });
    expect(here.agentPid).not.toBe(resumed);
    const seen = JSON.stringify(kit.sim.requests.at(-1)?.body.messages);
    for (const word of ['OSTRICH', 'FLAMINGO', 'PELICAN']) expect(seen).toContain(word);
    await here.terminate();
  });
});
