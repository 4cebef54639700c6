import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript, ClaudeCodeKit, HOLD, holdRule, turnSignal } from '../../test-support/claude-code-kit.js';
import type { ClaudeCodeSession } from './claude-code-session.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { BackendEvent } from '../backend.js';

/**
 * Liveness on the claude-code path, with the real CLI. The stall watchdog: the model proxy cuts an upstream reply that
 * froze mid-way (the simulator's `stall` fault) after STALL_TIMEOUT_SECONDS, the turn hears `stalled` and a
 * retry, and the CLI's own client retries the call, so the turn completes. An agent killed under its turn is
 * reported dead.
 */

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

describe('claude-code: a model stream that goes silent', () => {
  it('is cut by the proxy, reported stalled and retried by the agent, and the turn completes', async () => {
    kit.sim.setScript(agentScript([{ match: { lastUser: 'FREEZE-ONCE' }, reply: 'answered after the freeze', faults: [{ kind: 'stall', afterDeltas: 1 }] }]));
    const backend = kit.backend({ stallTimeoutSeconds: 1 });
    const session = await backend.start(kit.spec());
    const events: BackendEvent[] = [];
    const result = await session.turn({ history: [], message: 'FREEZE-ONCE please' }, { signal: turnSignal(), calls: new TestBudget(), onEvent: (e) => events.push(e) });
    expect(result.text).toContain('answered after the freeze');
    expect(events).toContainEqual({ type: 'activity', activity: 'stalled' });
    expect(events).toContainEqual({ type: 'retry', retry: 1, afterMs: 0, reason: 'stalled' });
    const frozen = kit.sim.requests.filter((r) => r.fault?.kind === 'stall');
    expect(frozen).toHaveLength(1);
    await session.terminate?.();
  });

});

describe('claude-code: an agent that dies', () => {
  it('under its turn is reported dead', async () => {
    const hold = holdRule();
    kit.sim.setScript(agentScript([hold.rule]));
    const backend = kit.backend();
    const session = (await backend.start(kit.spec())) as ClaudeCodeSession;
    const events: BackendEvent[] = [];
    const turn = session.turn({ history: [], message: HOLD }, { signal: turnSignal(), calls: new TestBudget(), onEvent: (e) => events.push(e) }).catch((error: unknown) => error);
    await expect.poll(() => kit.sim.requests.some((r) => JSON.stringify(r.body.messages).includes(HOLD)), { timeout: 30_000 }).toBe(true);
    process.kill(session.agentPid as number, 'SIGKILL');
    expect(String(await turn)).toMatch(/was killed/);
    expect(events).toContainEqual({ type: 'activity', activity: 'dead' });
    hold.release();
    await session.terminate?.();
  });
});
