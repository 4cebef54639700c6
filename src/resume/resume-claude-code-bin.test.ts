import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashWorld, waitFor } from '../test-support/crash-world.js';
import { CountingSimulator, settledTask, storedTask } from './resume-fixture.js';

/**
 * Runs that resume with Claude Code agents (the real CLI from node_modules, its model calls through the
 * server's model proxy to the simulator): `kill -9` while one agent finished and the other is held; the
 * restarted server resumes the run, and the interrupted agent resumes its own session (--resume: its
 * transcript goes with the call asked again).
 */

type S = Record<string, any>;

let sim: CountingSimulator;
beforeAll(async () => {
  sim = await CountingSimulator.start();
});
afterAll(async () => {
  await sim.close();
});

describe('runs that resume: claude-code participants', () => {
  it('the finished agent is reused; the interrupted one resumes its session and answers', async () => {
    sim.reset();
    const world = new CrashWorld(sim.sim);
    await world.start();
    const ids: string[] = [];
    for (const name of ['fastcc', 'slowcc']) {
      ids.push((await world.ok('spawn_claude', { name, backend: 'claude-code', system_prompt: `You are AGENT-${name}.` }))['instance_id'] as string);
    }
    const handle = await world.ok('coordinate_instances', { participant_ids: ids, task_description: 'AGENTS: name a tree', coordination_type: 'parallel', wait_seconds: 0 });
    const taskId = handle['task_id'] as string;
    await waitFor(() => sim.sim.inFlight >= 1 && storedTask(world, taskId)?.['progress']?.['journal']?.length === 1, 'one agent finished (stored), one held');
    await world.kill();
    sim.release();
    expect(sim.counts()).toEqual({ fastcc: 1, slowcc: 1 });

    await world.start();
    const task = await settledTask(world, taskId, waitFor);
    expect(task['state']).toBe('completed');
    expect(((task['result'] as S)['results'] as S[]).map((r) => [r['name'], r['status'], r['reply']])).toEqual([
      ['fastcc', 'completed', 'answer of fastcc'],
      ['slowcc', 'completed', 'answer of slowcc'],
    ]);
    expect(sim.counts()).toEqual({ fastcc: 1, slowcc: 2 });
    // The asked-again call carries the session's transcript (the interrupted message), not a fresh conversation.
    const [first, again] = sim.lengths.get('slowcc') ?? [];
    expect(again).toBeGreaterThan(first ?? Infinity);
    await world.stop();
  }, 90_000);
});
