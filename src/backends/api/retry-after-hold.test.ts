import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { simulatorOrchestrator } from '../../test-support/orchestrator-fixture.js';

/**
 * One long retry-after must not stall every instance (issue 13): the API answers one 429 with
 * `retry-after: 3600`. Real orchestrator, real SDK, the simulator over HTTP; no timing is asserted.
 */

const LONG_WAIT: { kind: 'status'; status: 429; retryAfterSeconds: number } = { kind: 'status', status: 429, retryAfterSeconds: 3600 };

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

async function failureOf(work: Promise<unknown>): Promise<OrchestratorError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(OrchestratorError);
    return error as OrchestratorError;
  }
  throw new Error('expected the send to fail');
}

describe('a retry-after of an hour', () => {
  it('fails its own turn saying until when to wait, and a healthy instance is still answered', async () => {
    // The hold is capped at API_RETRY_MAX_SECONDS (1 s here): the other instance's send waits at most that, then goes.
    const orchestrator = simulatorOrchestrator(sim.url, { apiRetryMaxSeconds: 1 }, { maxRetries: 3, retryMaxSeconds: 1 });
    const a = (await orchestrator.spawnInstance({ name: 'a' })).instance_id;
    const b = (await orchestrator.spawnInstance({ name: 'b' })).instance_id;
    sim.injectFaults([LONG_WAIT]);

    const first = await failureOf(orchestrator.sendToInstance({ instance_id: a, message: 'Plan the migration.' }));
    expect(first.code).toBe('backend_unavailable');
    expect(first.message).toMatch(/asked to wait until \d\d:\d\d:\d\d UTC \(retry-after 3600 s\)/);
    expect(first.message).not.toMatch(/shortly/);
    expect(first.details).toMatchObject({ status: 429, retry_after_seconds: 3600, gave_up: 'out_of_time' });

    const reply = await orchestrator.sendToInstance({ instance_id: b, message: 'Summarise the plan in one line.' });
    expect(reply.reply.length).toBeGreaterThan(0);
    expect(sim.requests).toHaveLength(2);
    const healthy = await orchestrator.getInstanceStatus({ instance_id: b });
    expect(healthy.consecutive_failures).toBe(0);
    expect(healthy.health_score).toBe(100);
    await orchestrator.close();
  });

  it('refuses at once, saying when to retry, a send that cannot wait out the hold; the refusal does not count against health', async () => {
    // A hold cap of 10 minutes, and a send with 5 s to live: waiting would only end in "No reply from instance".
    const orchestrator = simulatorOrchestrator(sim.url, { apiRetryMaxSeconds: 600 }, { maxRetries: 3, retryMaxSeconds: 600 });
    const a = (await orchestrator.spawnInstance({ name: 'a' })).instance_id;
    const b = (await orchestrator.spawnInstance({ name: 'b' })).instance_id;
    sim.injectFaults([LONG_WAIT]);
    await failureOf(orchestrator.sendToInstance({ instance_id: a, message: 'Plan the migration.' }));

    const refusal = await failureOf(orchestrator.sendToInstance({ instance_id: b, message: 'Summarise the plan.', timeout_seconds: 5 }));
    expect(refusal.code).toBe('backend_unavailable');
    expect(refusal.message).not.toMatch(/No reply from instance/);
    expect(refusal.message).toMatch(/asked to wait until \d\d:\d\d:\d\d UTC \(retry-after 3600 s\)/);
    expect(refusal.message).toMatch(/Try again after \d\d:\d\d:\d\d UTC/);
    expect(refusal.details).toMatchObject({ api_retry_after_seconds: 3600, not_sent: true });
    // Bounded: the hold lasts at most API_RETRY_MAX_SECONDS, not the hour the API asked for.
    const retryAfter = refusal.details?.['retry_after_seconds'] as number;
    expect(retryAfter).toBeGreaterThan(5);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(Date.parse(refusal.details?.['retry_at'] as string)).toBeGreaterThan(Date.now());
    // It never reached the API, and the instance's health is untouched.
    expect(sim.requests).toHaveLength(1);
    const view = await orchestrator.getInstanceStatus({ instance_id: b });
    expect(view.consecutive_failures).toBe(0);
    expect(view.health_score).toBe(100);
    expect(view.state).toBe('idle');
    await orchestrator.close();
  });
  it("holds only the model that was told to wait: another model's instance is answered at once", async () => {
    // A hold cap of 10 minutes, so a shared hold would keep the other instance waiting (and then refuse it).
    const orchestrator = simulatorOrchestrator(sim.url, { apiRetryMaxSeconds: 600 }, { maxRetries: 3, retryMaxSeconds: 600 });
    const a = (await orchestrator.spawnInstance({ name: 'a', model: 'claude-sonnet-5-5' })).instance_id;
    const b = (await orchestrator.spawnInstance({ name: 'b', model: 'claude-haiku-4-5' })).instance_id;
    sim.injectFaults([LONG_WAIT]);
    await failureOf(orchestrator.sendToInstance({ instance_id: a, message: 'Plan the migration.' }));
    const reply = await orchestrator.sendToInstance({ instance_id: b, message: 'Summarise the plan.', timeout_seconds: 5 });
    expect(reply.reply.length).toBeGreaterThan(0);
    // The held model's next call is still refused without reaching the API.
    const refusal = await failureOf(orchestrator.sendToInstance({ instance_id: a, message: 'And now?', timeout_seconds: 5 }));
    expect(refusal.details).toMatchObject({ not_sent: true });
    expect(sim.requests.map((r) => r.body.model)).toEqual(['claude-sonnet-5-5', 'claude-haiku-4-5']);
    await orchestrator.close();
  });

  it("gives up at once when the API's wait outlasts the send's own timeout, saying until when", async () => {
    const orchestrator = simulatorOrchestrator(sim.url, { apiRetryMaxSeconds: 600 }, { maxRetries: 3, retryMaxSeconds: 600 });
    const a = (await orchestrator.spawnInstance({ name: 'a' })).instance_id;
    sim.injectFaults([{ kind: 'status', status: 429, retryAfterSeconds: 30 }]);
    const failure = await failureOf(orchestrator.sendToInstance({ instance_id: a, message: 'Plan the migration.', timeout_seconds: 5 }));
    expect(failure.code).toBe('backend_unavailable');
    expect(failure.message).toMatch(/asked to wait until \d\d:\d\d:\d\d UTC \(retry-after 30 s\), longer than this turn's timeout allows waiting; try again after that\.$/);
    expect(failure.details).toMatchObject({ gave_up: 'past_deadline', retry_after_seconds: 30, retries: 0 });
    await orchestrator.close();
  });
});
