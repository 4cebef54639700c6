import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { usageFromApi } from '../domain/usage.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { record } from '../test-support/records.js';

let fx: Fixture;
afterEach(async () => {
  await fx?.orchestrator.close();
});

const deadOwner = () => ({ id: `${hostname()}:999999:1`, host: hostname(), pid: 999_999, processStart: '1', startedAt: '2026-11-25T00:00:00.000Z', address: null, heartbeatAt: '2026-11-25T00:00:00.000Z' });

describe('health check', () => {
  it('takes back a turn left running by a server that is gone: message kept and marked, instance idle, holds released, task interrupted', async () => {
    fx = orchestratorFixture();
    await fx.orchestrator.ready(); // start-up recovery is over: what follows is the health check's
    const dead = deadOwner();
    await fx.store.transaction(async (tx) => {
      await tx.registerOwner(dead);
      await tx.insertInstance(record('inst_orphan', { state: 'busy', stateReason: 'turn_started' }));
      await tx.appendMessage('inst_orphan', { role: 'user', content: 'half done', at: '2026-11-25T12:00:00.000Z' });
      await tx.acquireLease('inst_orphan', dead.id, fx.clock.now(), 60_000);
      await tx.addHold({ id: 'hold_1', instanceId: 'inst_orphan', chain: ['inst_orphan'], owner: dead.id, tokens: 100, nanos: 100, createdAt: 0 });
      await tx.saveTask({ id: 'task_1', kind: 'send', state: 'working', label: 'x', owner: dead.id, request: { tool: 'send_to_instance', arguments: { instance_id: 'inst_orphan', message: 'half done' } }, progress: {}, result: undefined, error: undefined, createdAt: 'c', finishedAt: null });
    });

    const { recovered } = await fx.orchestrator.healthCheck();
    expect(recovered).toEqual(['inst_orphan']);
    const status = await fx.orchestrator.getInstanceStatus({ instance_id: 'inst_orphan' });
    expect(status).toMatchObject({ state: 'idle', error_count: 1, health_score: 100, in_flight: { tokens: 0, cost_usd: 0 } });
    expect((await fx.store.listMessages('inst_orphan', { limit: 1, offset: 0 })).items[0]).toMatchObject({ failed: true, error: expect.stringMatching(/Interrupted/) });
    expect(await fx.store.leaseOf('inst_orphan')).toBeNull();
    expect(await fx.store.holdOwners()).toEqual([]);
    expect(await fx.store.totals()).toMatchObject({ heldTokens: 0, heldNanos: 0 });
    expect(await fx.orchestrator.tasks.get('task_1')).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } });
  });

  it('ends an instance that an interrupted turn took past its own limit (its calls were charged as they settled)', async () => {
    fx = orchestratorFixture();
    await fx.orchestrator.ready(); // start-up recovery is over: what follows is the health check's
    const dead = deadOwner();
    await fx.store.transaction(async (tx) => {
      await tx.registerOwner(dead);
      await tx.insertInstance(record('inst_spent', { state: 'busy', stateReason: 'turn_started', limits: { maxTotalTokens: 1000, maxCostNanos: null, timeoutMinutes: 60 } }));
      await tx.acquireLease('inst_spent', dead.id, fx.clock.now(), 60_000);
      await tx.charge({ instanceId: 'inst_spent', chain: ['inst_spent'], usage: usageFromApi({ input_tokens: 900, output_tokens: 200 }), costNanos: 1, cacheSavingsNanos: 0 });
    });
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual(['inst_spent']);
    expect(await fx.orchestrator.getInstanceStatus({ instance_id: 'inst_spent' })).toMatchObject({ state: 'terminated', state_reason: 'limit:tokens' });
  });

  it('frees the lease of an idle instance held by a server that is gone, so a send need not wait out its expiry', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'leased' });
    const dead = deadOwner();
    // Killed after taking the lease, before marking the instance busy: recovery sees nothing to take back.
    await fx.store.transaction(async (tx) => {
      await tx.registerOwner(dead);
      expect(await tx.acquireLease(instance_id, dead.id, fx.clock.now(), 3_600_000)).toBe(true);
    });
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual([]);
    // The kernel's clock stands still: only freeing the dead server's lease lets this send run.
    const reply = await fx.orchestrator.sendToInstance({ instance_id, message: 'hi' });
    expect(reply).toMatchObject({ instance_id });
    expect(await fx.store.leaseOf(instance_id)).toBeNull();
  });

  it('leaves a turn alone while its server lives', async () => {
    fx = orchestratorFixture();
    await fx.orchestrator.ready();
    const now = new Date(fx.clock.now()).toISOString();
    const alive = { id: 'elsewhere:1:1', host: 'another-host', pid: 1, processStart: '1', startedAt: now, address: 'http://10.0.0.2:3000', heartbeatAt: now };
    await fx.store.transaction(async (tx) => {
      await tx.registerOwner(alive);
      await tx.insertInstance(record('inst_busy', { state: 'busy', stateReason: 'turn_started' }));
      await tx.acquireLease('inst_busy', alive.id, fx.clock.now(), 60_000);
      await tx.addHold({ id: 'hold_live', instanceId: 'inst_busy', chain: ['inst_busy'], owner: alive.id, tokens: 5, nanos: 5, createdAt: 0 });
    });
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual([]);
    expect(await fx.store.holdOwners()).toEqual([alive.id]);
    // On another host we can't see the process: its lease expiring is what frees the instance.
    fx.clock.ms += 61_000;
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual(['inst_busy']);
  });

  it('deletes instances and tasks that ended past the retention period, and scores health', async () => {
    fx = orchestratorFixture({ retentionDays: 7 });
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'old' });
    await fx.orchestrator.terminateInstance({ instance_id });
    const task = { id: 'task_old', kind: 'send', state: 'completed', label: 'x', owner: 'o', request: null, progress: {}, result: {}, error: undefined, createdAt: 'c', finishedAt: new Date(fx.clock.now()).toISOString() };
    await fx.store.transaction((tx) => tx.saveTask(task));
    expect((await fx.orchestrator.healthCheck()).deleted).toBe(0);
    fx.clock.ms += 8 * 86_400_000;
    expect((await fx.orchestrator.healthCheck()).deleted).toBe(1);
    await expect(fx.orchestrator.getInstanceStatus({ instance_id })).rejects.toThrow(/not found/);
    expect(await fx.store.getTask('task_old')).toBeUndefined();
    expect(await fx.orchestrator.totals()).toMatchObject({ instances_total: 0, instances_live: 0 });
  });
});
