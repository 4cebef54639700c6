import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { lastUserText } from '../simulator/request-text.js';
import { CrashWorld, waitFor } from '../test-support/crash-world.js';
import { processesUnder } from '../test-support/process-scan.js';
import { auditStore } from '../test-support/crash-audit.js';

/**
 * The crash matrix: `kill -9` of the real bin at each named point (a test-only pause point,
 * durability/pause-point.ts, stops the server exactly there) and at random points of a seeded mixed
 * workload, then a restart on the same store, checking every invariant each time (CrashWorld.restartAndCheck).
 * CRASH_SEED=<n> replays a workload; CRASH_ROUNDS=<n> changes the number of random kills.
 */

type S = Record<string, any>;

const SEED = Number(process.env['CRASH_SEED'] ?? 1913);
const ROUNDS = Number(process.env['CRASH_ROUNDS'] ?? 46);

let sim: RunningSimulator;
beforeAll(async () => {
  // Replies stream piece by piece and take a little while, so random kills land mid-work.
  sim = await startSimulator({ latencyMs: { min: 5, max: 120 }, chunkDelayMs: 15 });
});
afterAll(async () => {
  await sim.close();
});

/** mulberry32: a small seeded generator, so a failing workload can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const spawn = async (world: CrashWorld, name: string): Promise<string> => (await world.ok('spawn_claude', { name }))['instance_id'] as string;

describe('crash matrix: kill -9 of the real bin, restart on the same store', () => {
  const world = () => new CrashWorld(sim);

  it('at each named point: mid-stream, between the commit and the answer, during spawn, during terminate, during a coordination wave', async () => {
    // Mid-stream: the reply is partly streamed when the server dies (this simulator stalls after the first piece).
    const stalling = await startSimulator({ chunkDelayMs: 600_000 });
    try {
      const m = new CrashWorld(stalling);
      await m.start('mid-stream');
      const streamed = await spawn(m, 'streamer');
      const handle = await m.ok('send_to_instance', { instance_id: streamed, message: 'cut me off mid-stream', wait_seconds: 0 });
      expect(handle['state']).toBe('working');
      await m.paused('mid-stream');
      await m.kill();
      await m.restartAndCheck(0);
      expect(auditStore(m.workspace).userMessages(streamed)).toContain('cut me off mid-stream');
      expect((await m.ok('get_task', { task_id: handle['task_id'] }))['state']).toBe('interrupted');
      await m.stop();
    } finally {
      await stalling.close();
    }

    const w = world();
    // Between the reply's commit and the answer: the turn is kept, charged once, not interrupted.
    await w.start('after-commit');
    const committed = await spawn(w, 'committer');
    void w.call('send_to_instance', { instance_id: committed, message: 'commit, then die' }).catch(() => undefined);
    await w.paused('after-commit');
    await w.kill();
    await w.restartAndCheck(0);
    const status = await w.ok('get_instance_status', { instance_id: committed });
    expect(status).toMatchObject({ state: 'idle', turns: 1, error_count: 0 });
    await w.stop();

    // During spawn: recorded, workspace made, no session yet. Recovery ends it as failed, with a reason.
    await w.start('spawn');
    void w.call('spawn_claude', { name: 'half-born' }).catch(() => undefined);
    await w.paused('spawn');
    await w.kill();
    const audit = await w.restartAndCheck();
    expect(audit.instances.filter((i) => i.state === 'failed').length).toBe(1);
    await w.stop();

    // During terminate: recorded `terminating`, nothing cleaned up yet. Recovery finishes it.
    await w.start('terminate');
    const doomed = await spawn(w, 'doomed');
    void w.call('terminate_instance', { instance_id: doomed }).catch(() => undefined);
    await w.paused('terminate');
    await w.kill();
    await w.restartAndCheck();
    expect((await w.ok('get_instance_status', { instance_id: doomed }))['state']).toBe('terminated');

    // During a coordination wave: two participants answered, the third's reply is held when the server dies.
    const members = [await spawn(w, 'p1'), await spawn(w, 'p2'), await spawn(w, 'p3')];
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => (release = () => r()));
    let seen = 0;
    sim.setScript([{ match: { lastUser: 'WAVE-CRASH' }, reply: async (request) => ((seen += 1) === 3 ? (await gate, 'late') : `ok ${lastUserText(request).length}`) }]);
    const wave = await w.ok('coordinate_instances', { participant_ids: members, task_description: 'WAVE-CRASH: name a colour', coordination_type: 'parallel', options: { synthesize: false }, wait_seconds: 0 });
    expect(wave['state']).toBe('working');
    await waitFor(() => seen === 3 && sim.inFlight >= 1, 'the third participant to be held');
    await w.kill();
    release();
    sim.setScript([]);
    await w.restartAndCheck(3);
    // Resumed by the restarted server (RESUME_INTERRUPTED, src/resume): the two answers reused, the third asked again.
    expect((await w.ok('get_task', { task_id: wave['task_id'] }))['state']).toBe('completed');
    await w.stop();
    expect(w.kills).toBe(4);
  }, 300_000);

  it(`at random points of a seeded mixed workload (seed ${SEED}, ${ROUNDS} kills)`, async () => {
    const w = world();
    const random = seeded(SEED);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
    let n = 0;
    await w.start();
    for (let round = 0; round < ROUNDS; round += 1) {
      let stopped = false;
      const worker = async (): Promise<void> => {
        while (!stopped) {
          try {
            const live = ((await w.ok('list_instances', {}))['instances'] as S[]).filter((i) => i['state'] === 'idle' || i['state'] === 'busy').map((i) => i['instance_id'] as string);
            const dice = random();
            const target = pick(live);
            n += 1;
            if (live.length < 2 || (dice < 0.1 && live.length < 6)) {
              await spawn(w, `w${n}`);
            } else if (dice < 0.45 && target) {
              const message = `m${round}-${n}`;
              const r = await w.call('send_to_instance', { instance_id: target, message });
              if (r.status === 200 && typeof r.body['structuredContent']?.['reply'] === 'string') w.ack(target, message);
            } else if (dice < 0.6 && target) {
              await w.call('send_to_instance', { instance_id: target, message: `async${round}-${n}`, wait_seconds: 0 });
            } else if (dice < 0.72 && live.length >= 2) {
              const pair = [...live].sort(() => random() - 0.5).slice(0, 2);
              await w.call('coordinate_instances', { participant_ids: pair, task_description: `wave ${round}-${n}`, coordination_type: random() < 0.5 ? 'parallel' : 'sequential', options: { synthesize: false }, wait_seconds: random() < 0.5 ? 0 : 30 });
            } else if (dice < 0.8 && target) {
              await w.call('terminate_instance', { instance_id: target });
            } else if (dice < 0.88) {
              const working = ((await (await fetch(`${w.url}/tasks?state=working`)).json()) as S)['tasks'] as S[];
              const task = pick(working);
              if (task) await fetch(`${w.url}/tasks/${task['task_id']}/cancel`, { method: 'POST' });
            } else if (target) {
              // A read that shows a user message acknowledges it.
              const out = await w.ok('get_instance_output', { instance_id: target });
              for (const m of out['messages'] as S[]) if (m['role'] === 'user') w.ack(target, m['content'] as string);
            }
          } catch {
            // The server died under the call, or the call lost a race (instance terminated meanwhile): both expected.
            if (stopped) return;
          }
        }
      };
      const workers = [worker(), worker(), worker()];
      await new Promise((r) => setTimeout(r, 50 + random() * 1200));
      await w.kill();
      stopped = true;
      await Promise.all(workers);
      try {
        await w.restartAndCheck(1);
      } catch (error) {
        throw new Error(`round ${round} (CRASH_SEED=${SEED}): ${(error as Error).message}\nserver stderr:\n${w.server?.stderr().slice(-2000) ?? ''}`);
      }
    }
    await w.stop();
    const audit = auditStore(w.workspace);
    const acked = [...w.acked.values()].reduce((sum, set) => sum + set.size, 0);
    console.info(`crash matrix: ${w.kills} random kills (seed ${SEED}); ${audit.instances.length} instances, ${acked} acknowledged messages kept, ${audit.interrupted} turns and ${audit.interruptedTasks} tasks taken back as interrupted, ${audit.unrecorded} instances charged for settled calls of an interrupted turn`);
    expect(w.kills).toBe(ROUNDS);
    expect(acked).toBeGreaterThan(ROUNDS);
    // The kills land mid-work, not only between calls.
    expect(audit.interrupted + audit.interruptedTasks).toBeGreaterThan(0);
  }, 600_000);

  it("with a Claude Code agent's background shell running: the restarted server ends the agent and its shell", async () => {
    const w = world();
    await w.start();
    const agent = (await w.ok('spawn_claude', { name: 'shell-owner', backend: 'claude-code', permissions: { allowed_tools: ['Bash'] } }))['instance_id'] as string;
    // The simulator answers this with Claude Code's Bash tool, run_in_background (simulator/background-command.ts).
    const started = await w.ok('send_to_instance', { instance_id: agent, message: 'run in the background: sleep 987' });
    expect(started['reply']).toContain('in the background');
    // Found by walking the process table (its environment names the workspace), not from the server's records.
    const shell = () => processesUnder(w.workspace).filter((p) => p.cmdline.includes('sleep 987'));
    await waitFor(() => shell().length > 0, 'the background shell to run');
    await w.kill();
    expect(shell().length).toBeGreaterThan(0);
    await w.restartAndCheck(1);
    expect(shell()).toEqual([]);
    await w.stop();
  }, 300_000);
});
