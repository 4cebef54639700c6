import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareEnv, startBin } from '../test-support/bin.js';
import { CrashWorld, waitFor } from '../test-support/crash-world.js';
import { CountingSimulator, settledTask, spawnNamed, storedTask } from './resume-fixture.js';

/**
 * Runs that resume: `kill -9` of the real bin in the middle of a 4-participant parallel run, after two
 * participants finished and while two are held at the simulator; the next server on the same store resumes
 * the task under its id. Model calls are counted at the simulator, per participant (by its system prompt).
 */

type S = Record<string, any>;

let sim: CountingSimulator;
beforeAll(async () => {
  sim = await CountingSimulator.start();
});
afterAll(async () => {
  await sim.close();
});

/** Spawns the four participants, starts the run, and kills the server once two finished (stored) and two are held. */
async function crashMidFanout(world: CrashWorld): Promise<string> {
  sim.reset();
  await world.start();
  const ids = await spawnNamed(world, ['fast1', 'fast2', 'slow1', 'slow2']);
  const handle = await world.ok('coordinate_instances', { participant_ids: ids, task_description: 'FANOUT: name a colour', coordination_type: 'parallel', wait_seconds: 0 });
  expect(handle['state']).toBe('working');
  const taskId = handle['task_id'] as string;
  await waitFor(() => sim.sim.inFlight >= 2 && storedTask(world, taskId)?.['progress']?.['journal']?.length === 2, 'two participants finished (stored) and two held');
  await world.kill();
  sim.release();
  expect(sim.counts()).toEqual({ fast1: 1, fast2: 1, slow1: 1, slow2: 1 });
  return taskId;
}

describe('runs that resume after kill -9 of the real bin', () => {
  it('a 4-participant parallel run completes under the same task id; the two finished participants are not asked again', async () => {
    const world = new CrashWorld(sim.sim);
    const taskId = await crashMidFanout(world);

    await world.start();
    const task = await settledTask(world, taskId, waitFor);
    expect(task['state']).toBe('completed');
    const result = task['result'] as S;
    expect(result['success']).toBe(true);
    expect((result['results'] as S[]).map((r) => [r['name'], r['status'], r['reply']])).toEqual([
      ['fast1', 'completed', 'answer of fast1'],
      ['fast2', 'completed', 'answer of fast2'],
      ['slow1', 'completed', 'answer of slow1'],
      ['slow2', 'completed', 'answer of slow2'],
    ]);
    // The finished participants' model calls were not repeated; the interrupted ones ran again.
    expect(sim.counts()).toEqual({ fast1: 1, fast2: 1, slow1: 2, slow2: 2 });
    expect(result['turns']).toBe(4);
    expect(task['progress']['participants'].map((p: S) => p['state'])).toEqual(['done', 'done', 'done', 'done']);
    expect(world.server?.stderr()).toContain('resumed a task left by a server that stopped');
    // The interrupted turn stays in the conversation, marked (the model never sees it); the message was sent again.
    const slow = (result['results'] as S[])[2]?.['instance_id'] as string;
    const users = ((await world.ok('get_instance_output', { instance_id: slow }))['messages'] as S[]).filter((m) => m['role'] === 'user');
    expect(users.map((m) => Boolean(m['failed']))).toEqual([true, false]);
    await world.stop();
  }, 60_000);

  it('two servers started at once on the store: exactly one resumes the run, each interrupted participant runs once more', async () => {
    const world = new CrashWorld(sim.sim);
    const taskId = await crashMidFanout(world);
    const env = bareEnv({ WORKSPACE_DIR: world.workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.sim.url, LOG_LEVEL: 'info', MAX_TOKENS_PER_INSTANCE: '10000000' });
    const other = startBin(['--port', '0', '--host', '127.0.0.1'], env);
    try {
      await world.start();
      await other.url;
      const task = await settledTask(world, taskId, waitFor);
      expect(task['state']).toBe('completed');
      expect(sim.counts()).toEqual({ fast1: 1, fast2: 1, slow1: 2, slow2: 2 });
      const resumedBy = [world.server?.stderr() ?? '', other.stderr()].filter((log) => log.includes('resumed a task left by a server that stopped'));
      expect(resumedBy.length).toBe(1);
    } finally {
      other.child.kill('SIGTERM');
      await other.exited;
      await world.stop();
    }
  }, 60_000);

  it('RESUME_INTERRUPTED=false only marks it interrupted', async () => {
    const world = new CrashWorld(sim.sim, { RESUME_INTERRUPTED: 'false' });
    const taskId = await crashMidFanout(world);
    await world.start();
    const task = await settledTask(world, taskId, waitFor);
    expect(task['state']).toBe('interrupted');
    expect(sim.counts()).toEqual({ fast1: 1, fast2: 1, slow1: 1, slow2: 1 });
    await world.stop();
  }, 60_000);
});
