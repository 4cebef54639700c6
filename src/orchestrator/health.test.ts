import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { record } from '../test-support/records.js';

let fx: Fixture;
afterEach(async () => {
  await fx?.orchestrator.close();
});

describe('health check', () => {
  it('takes back a turn left running by a server that is gone: message kept and marked, instance idle, task interrupted', async () => {
    fx = orchestratorFixture();
    const dead = { id: `${hostname()}:999999:1`, host: hostname(), pid: 999_999, processStart: '1', startedAt: '2026-11-25T00:00:00.000Z' };
    fx.store.registerOwner(dead);
    fx.store.insertInstance(record('inst_orphan', { state: 'busy', stateReason: 'turn_started' }));
    fx.store.appendMessage('inst_orphan', { role: 'user', content: 'half done', at: '2026-11-25T12:00:00.000Z' });
    fx.store.acquireLease('inst_orphan', dead.id, fx.clock.now(), 60_000);
    fx.store.addReservation({ id: 'res_1', instanceId: 'inst_orphan', owner: dead.id, tokens: 100, nanos: 100, createdAt: 0 });
    fx.store.saveTask({ id: 'task_1', kind: 'send', state: 'working', label: 'x', owner: dead.id, request: { tool: 'send_to_instance', arguments: { instance_id: 'inst_orphan', message: 'half done' } }, progress: {}, result: undefined, error: undefined, createdAt: 'c', finishedAt: null });

    const { recovered } = await fx.orchestrator.healthCheck();
    expect(recovered).toEqual(['inst_orphan']);
    const status = fx.orchestrator.getInstanceStatus({ instance_id: 'inst_orphan' });
    expect(status).toMatchObject({ state: 'idle', error_count: 1, health_score: 100 });
    expect(fx.store.allMessages('inst_orphan')[0]).toMatchObject({ failed: true, error: expect.stringMatching(/Interrupted/) });
    expect(fx.store.leaseOf('inst_orphan')).toBeNull();
    expect(fx.store.listReservations()).toEqual([]);
    expect(fx.orchestrator.tasks.get('task_1')).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } });
  });

  it('leaves a turn alone while its server lives', async () => {
    fx = orchestratorFixture();
    const alive = { id: 'elsewhere:1:1', host: 'another-host', pid: 1, processStart: '1', startedAt: 'x' };
    fx.store.registerOwner(alive);
    fx.store.insertInstance(record('inst_busy', { state: 'busy', stateReason: 'turn_started' }));
    fx.store.acquireLease('inst_busy', alive.id, fx.clock.now(), 60_000);
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual([]);
    // On another host we can't see the process: its lease expiring is what frees the instance.
    fx.clock.ms += 61_000;
    expect((await fx.orchestrator.healthCheck()).recovered).toEqual(['inst_busy']);
  });

  it('deletes instances that ended past the retention period, and scores health', async () => {
    fx = orchestratorFixture({ retentionDays: 7 });
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'old' });
    await fx.orchestrator.terminateInstance({ instance_id });
    expect((await fx.orchestrator.healthCheck()).deleted).toBe(0);
    fx.clock.ms += 8 * 86_400_000;
    expect((await fx.orchestrator.healthCheck()).deleted).toBe(1);
    expect(() => fx.orchestrator.getInstanceStatus({ instance_id })).toThrow(/not found/);
  });
});
