import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { systemText } from '../simulator/request-text.js';
import { CrashWorld, waitFor } from '../test-support/crash-world.js';

/**
 * Runs that resume: `kill -9` of the real bin in the middle of a 4-participant parallel run, after two
 * participants finished and while two are held at the simulator; the next server on the same store resumes
 * the task under its id. Model calls are counted at the simulator, per participant (by its system prompt).
 */

type S = Record<string, any>;

let sim: RunningSimulator;
const calls = new Map<string, number>();
let hold = true;
let release = () => undefined as void;
let gate = new Promise<void>((r) => (release = () => r()));

beforeAll(async () => {
  sim = await startSimulator({
    script: [
      {
        match: { lastUser: 'FANOUT' },
        reply: async (request) => {
          const who = /AGENT-(\w+)/.exec(systemText(request))?.[1] ?? '?';
          calls.set(who, (calls.get(who) ?? 0) + 1);
          // The slow ones are held while the server dies; after the restart everyone answers at once.
          if (hold && who.startsWith('slow')) await gate;
          return `answer of ${who}`;
        },
      },
    ],
  });
});
afterAll(async () => {
  release();
  await sim.close();
});

function reset(): void {
  calls.clear();
  hold = true;
  gate = new Promise<void>((r) => (release = () => r()));
}

/** The task as the store holds it (the server writes it as participants finish). */
function storedTask(world: CrashWorld, id: string): S | undefined {
  const db = new Database(join(world.workspace, 'orchestrator.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as S | undefined;
    return row ? { ...row, progress: JSON.parse(row['progress'] as string) } : undefined;
  } finally {
    db.close();
  }
}

/** Spawns the four participants, starts the run, and kills the server once two finished (stored) and two are held. */
async function crashMidFanout(world: CrashWorld): Promise<{ taskId: string; ids: string[] }> {
  await world.start();
  const ids: string[] = [];
  for (const name of ['fast1', 'fast2', 'slow1', 'slow2']) {
    ids.push((await world.ok('spawn_claude', { name, system_prompt: `You are AGENT-${name}.` }))['instance_id'] as string);
  }
  const handle = await world.ok('coordinate_instances', { participant_ids: ids, task_description: 'FANOUT: name a colour', coordination_type: 'parallel', wait_seconds: 0 });
  expect(handle['state']).toBe('working');
  const taskId = handle['task_id'] as string;
  await waitFor(() => sim.inFlight >= 2 && storedTask(world, taskId)?.['progress']?.['journal']?.length === 2, 'two participants finished (stored) and two held');
  await world.kill();
  hold = false;
  release();
  return { taskId, ids };
}

describe('runs that resume after kill -9 of the real bin', () => {
  it('a 4-participant parallel run completes under the same task id; the two finished participants are not asked again', async () => {
    reset();
    const world = new CrashWorld(sim);
    const { taskId } = await crashMidFanout(world);
    expect(Object.fromEntries(calls)).toEqual({ fast1: 1, fast2: 1, slow1: 1, slow2: 1 });

    await world.start();
    let task: S = {};
    await waitFor(async () => (task = await world.ok('get_task', { task_id: taskId }))['state'] !== 'working', 'the resumed task to end');
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
    expect(Object.fromEntries(calls)).toEqual({ fast1: 1, fast2: 1, slow1: 2, slow2: 2 });
    expect(result['turns']).toBe(4);
    expect(task['progress']['participants'].map((p: S) => p['state'])).toEqual(['done', 'done', 'done', 'done']);
    expect(world.server?.stderr()).toContain('resumed a task left by a server that stopped');
    // The interrupted turns stay in the conversation, marked; the model saw each message once.
    const slow = (result['results'] as S[])[2]?.['instance_id'] as string;
    const output = await world.ok('get_instance_output', { instance_id: slow });
    expect((output['messages'] as S[]).filter((m) => m['role'] === 'user').length).toBe(2);
    await world.stop();
  }, 60_000);

  it('RESUME_INTERRUPTED=false only marks it interrupted', async () => {
    reset();
    const world = new CrashWorld(sim, { RESUME_INTERRUPTED: 'false' });
    const { taskId } = await crashMidFanout(world);
    await world.start();
    let task: S = {};
    await waitFor(async () => (task = await world.ok('get_task', { task_id: taskId }))['state'] !== 'working', 'recovery to end the task');
    expect(task['state']).toBe('interrupted');
    expect(Object.fromEntries(calls)).toEqual({ fast1: 1, fast2: 1, slow1: 1, slow2: 1 });
    await world.stop();
  }, 60_000);
});
