import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import type { DomainEvent } from '../../orchestrator/events.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { simulatorOrchestrator } from '../../test-support/orchestrator-fixture.js';

/**
 * The stall watchdog of the api backend, over real HTTP with the real SDK: a streamed reply that freezes
 * mid-way (the simulator's `stall` fault keeps the connection open and silent) is aborted after
 * STALL_TIMEOUT_SECONDS, shows `stalled`, and is retried as a fault; the turn completes with the retry.
 */

const REPLY = 'one two three four five six seven eight nine ten';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ script: [{ reply: REPLY }] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

function orchestrator(stallSeconds: number, maxRetries: number) {
  return simulatorOrchestrator(sim.url, { stallTimeoutSeconds: stallSeconds }, { maxRetries, retryBaseDelayMs: 1, retryMaxDelayMs: 2, stallTimeoutSeconds: stallSeconds });
}

describe('api backend: a stream that goes silent', () => {
  it('is marked stalled, aborted and retried (reason stalled), and the turn completes with the retry', async () => {
    const orch = orchestrator(1, 2);
    const events: DomainEvent[] = [];
    orch.events.subscribe((e) => events.push(e));
    const { instance_id: id } = await orch.spawnInstance({ name: 'staller' });
    sim.injectFaults([{ kind: 'stall', afterDeltas: 2 }]);
    const result = await orch.sendToInstance({ instance_id: id, message: 'Count to ten' });
    expect(result.reply).toBe(REPLY);
    expect(result.retries).toBe(1);
    // The frozen request and its retry; the frozen one was left, not answered.
    expect(sim.requests.length).toBe(2);
    expect(events.filter((e) => e.type === 'call.retried').map((e) => e.type === 'call.retried' && e.reason)).toEqual(['stalled']);
    const activity = events.flatMap((e) => (e.type === 'activity.changed' && e.instanceId === id ? [e.activity] : []));
    expect(activity).toEqual(['thinking', 'stalled', 'thinking', 'idle']);
    const status = await orch.getInstanceStatus({ instance_id: id });
    expect(status.activity?.state).toBe('idle');
    await orch.close();
  });

  it('out of retries, the turn fails saying the stream went silent, and the instance stays usable', async () => {
    const orch = orchestrator(1, 0);
    const { instance_id: id } = await orch.spawnInstance({ name: 'staller' });
    sim.injectFaults([{ kind: 'stall', afterDeltas: 0 }]);
    const failure = await orch.sendToInstance({ instance_id: id, message: 'Count to ten' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OrchestratorError);
    expect((failure as OrchestratorError).code).toBe('backend_unavailable');
    expect((failure as OrchestratorError).message).toMatch(/STALL_TIMEOUT_SECONDS/);
    expect((await orch.sendToInstance({ instance_id: id, message: 'Again' })).reply).toBe(REPLY);
    await orch.close();
  });

  it('a pause shorter than the limit is not a stall: one request, no retry', async () => {
    const orch = orchestrator(60, 2);
    const { instance_id: id } = await orch.spawnInstance({ name: 'pauser' });
    sim.injectFaults([{ kind: 'stall', afterDeltas: 1, forMs: 50 }]);
    const result = await orch.sendToInstance({ instance_id: id, message: 'Count to ten' });
    expect(result.reply).toBe(REPLY);
    expect(result.retries ?? 0).toBe(0);
    expect(sim.requests.length).toBe(1);
    await orch.close();
  });

  it('a 429 shows waiting_for_rate_limit until the retry starts (and is no stall)', async () => {
    const orch = orchestrator(60, 2);
    const events: DomainEvent[] = [];
    orch.events.subscribe((e) => events.push(e));
    const { instance_id: id } = await orch.spawnInstance({ name: 'limited' });
    sim.injectFaults([{ kind: 'status', status: 429, retryAfterMs: 50 }]);
    const result = await orch.sendToInstance({ instance_id: id, message: 'Count to ten' });
    expect(result.reply).toBe(REPLY);
    const activity = events.flatMap((e) => (e.type === 'activity.changed' && e.instanceId === id ? [e.activity] : []));
    expect(activity).toEqual(['thinking', 'waiting_for_rate_limit', 'thinking', 'idle']);
    await orch.close();
  });
});
