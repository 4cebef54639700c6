import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashWorld, waitFor } from '../test-support/crash-world.js';
import { CountingSimulator, settledTask, spawnNamed, storedTask, storedTaskIds } from './resume-fixture.js';

/**
 * Runs that resume, continued: a single send cut off before its model call, a sequential chain cut off at
 * its second step, and a run cut off by a restart (SIGTERM) rather than a crash. Calls are counted at the
 * simulator (resume-fixture.ts).
 */

type S = Record<string, any>;

let sim: CountingSimulator;
beforeAll(async () => {
  sim = await CountingSimulator.start();
});
afterAll(async () => {
  await sim.close();
});

describe('runs that resume on the real bin', () => {
  it('a send interrupted before its model call runs again under its task id; one whose call had started stays interrupted', async () => {
    sim.reset();
    const world = new CrashWorld(sim.sim);
    await world.start();
    const [solo] = (await spawnNamed(world, ['slowsolo'])) as [string];
    const first = await world.ok('send_to_instance', { instance_id: solo, message: 'SOLO first', wait_seconds: 0 });
    // Queued behind the first turn: no message written, no model call made, when the server dies.
    const second = await world.ok('send_to_instance', { instance_id: solo, message: 'SOLO second', wait_seconds: 0 });
    await waitFor(() => sim.sim.inFlight >= 1 && storedTask(world, second['task_id'] as string) !== undefined, 'the first turn held, the second queued');
    await world.kill();
    sim.release();

    await world.start();
    const resumed = await settledTask(world, second['task_id'] as string, waitFor);
    expect(resumed).toMatchObject({ state: 'completed', result: { reply: 'answer of slowsolo' } });
    expect((await settledTask(world, first['task_id'] as string, waitFor))['state']).toBe('interrupted');
    expect(Object.fromEntries(sim.asks)).toEqual({ 'slowsolo: SOLO first': 1, 'slowsolo: SOLO second': 1 });
    const users = ((await world.ok('get_instance_output', { instance_id: solo }))['messages'] as S[]).filter((m) => m['role'] === 'user');
    expect(users.map((m) => [m['content'], Boolean(m['failed'])])).toEqual([
      ['SOLO first', true],
      ['SOLO second', false],
    ]);
    await world.stop();
  }, 60_000);

  it('a sequential chain whose caller was waiting resumes at the step it reached: the finished step reused, the interrupted one asked again, then the rest', async () => {
    sim.reset();
    const world = new CrashWorld(sim.sim);
    await world.start();
    const ids = await spawnNamed(world, ['first', 'slowsecond', 'third']);
    // The caller waits for the result: no handle comes back, but the run is stored from its start.
    const waiting = world.call('coordinate_instances', { participant_ids: ids, task_description: 'CHAIN: write a haiku', coordination_type: 'sequential', wait_seconds: 60 }).catch(() => undefined);
    await waitFor(() => storedTaskIds(world, 'coordinate').length === 1, 'the run stored');
    const taskId = storedTaskIds(world, 'coordinate')[0] as string;
    await waitFor(() => sim.sim.inFlight >= 1 && storedTask(world, taskId)?.['progress']?.['journal']?.length === 1, 'step 1 finished (stored), step 2 held');
    await world.kill();
    await waiting;
    sim.release();
    expect(sim.counts()).toEqual({ first: 1, slowsecond: 1 });

    await world.start();
    const task = await settledTask(world, taskId, waitFor);
    expect(task['state']).toBe('completed');
    expect(sim.counts()).toEqual({ first: 1, slowsecond: 2, third: 1 });
    const result = task['result'] as S;
    expect((result['results'] as S[]).map((r) => r['status'])).toEqual(['completed', 'completed', 'completed']);
    expect(result['final_answer']).toBe('answer of third');
    await world.stop();
  }, 60_000);

  it('a run cut off by a restart (SIGTERM, no grace) is stored interrupted, then resumed by the next server', async () => {
    sim.reset();
    const world = new CrashWorld(sim.sim, { SHUTDOWN_GRACE_SECONDS: '0' });
    await world.start();
    const ids = await spawnNamed(world, ['fast', 'slowpoke']);
    const handle = await world.ok('coordinate_instances', { participant_ids: ids, task_description: 'DRAIN: name a river', coordination_type: 'parallel', wait_seconds: 0 });
    const taskId = handle['task_id'] as string;
    await waitFor(() => sim.sim.inFlight >= 1 && storedTask(world, taskId)?.['progress']?.['journal']?.length === 1, 'one finished (stored), one held');
    await world.stop();
    sim.release();
    expect(storedTask(world, taskId)).toMatchObject({ state: 'interrupted', progress: { resume_pending: true } });

    await world.start();
    const task = await settledTask(world, taskId, waitFor);
    expect(task['state']).toBe('completed');
    expect(sim.counts()).toEqual({ fast: 1, slowpoke: 2 });
    expect(task['progress']).not.toHaveProperty('journal');
    expect(storedTask(world, taskId)?.['progress']).not.toHaveProperty('resume_pending');
    await world.stop();
  }, 60_000);
});
