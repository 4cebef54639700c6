import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../test-support/bin.js';

let sim: RunningSimulator;
let release: () => void = () => undefined;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  release();
  await sim.close();
});

type S = Record<string, any>;

async function call(url: string, tool: string, args: S): Promise<{ status: number; body: S }> {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  return { status: res.status, body: (await res.json()) as S };
}

async function ok(url: string, tool: string, args: S): Promise<S> {
  const r = await call(url, tool, args);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body['structuredContent'] as S;
}

function server(workspace: string, extra: Record<string, string> = {}): RunningBin {
  return startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, ...extra }));
}

describe('shutdown once its grace period runs out (the bin)', () => {
  it('cancels a turn that outlasts SHUTDOWN_GRACE_SECONDS, exits 0, and keeps the turn marked interrupted and its task interrupted', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'grace-'));
    const first = server(workspace, { SHUTDOWN_GRACE_SECONDS: '1' });
    const url = await first.url;
    const { instance_id } = await ok(url, 'spawn_claude', { name: 'outlaster' });
    const done = await ok(url, 'send_to_instance', { instance_id, message: 'a quick one first' });
    // A reply that never comes while the server is up.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    release = open;
    sim.setScript([{ match: { lastUser: 'never in time' }, reply: async () => (await gate, 'too late') }]);
    const handle = await ok(url, 'send_to_instance', { instance_id, message: 'never in time', wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    await expect.poll(() => sim.inFlight).toBe(1);

    first.child.kill('SIGTERM');
    // The grace runs out with the reply still held: the server cancels the turn and still exits cleanly.
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/shutting down/);
    release();
    sim.setScript([]);

    const second = server(workspace);
    try {
      const url2 = await second.url;
      const status = await ok(url2, 'get_instance_status', { instance_id });
      expect(status).toMatchObject({ state: 'idle', turns: 1 });
      // Only the completed turn is charged: the cancelled one never got its reply.
      expect(status['usage']).toEqual(done['usage']);
      const history = (await ok(url2, 'get_instance_output', { instance_id }))['messages'] as S[];
      expect(history.map((m) => [m['role'], m['content'], m['failed'] ?? false])).toEqual([
        ['user', 'a quick one first', false],
        ['assistant', done['reply'], false],
        ['user', 'never in time', true],
      ]);
      expect(history[2]?.['error']).toMatch(/interrupt|shut/i);
      const task = await ok(url2, 'get_task', { task_id: handle['task_id'] });
      expect(task['state']).toBe('interrupted');
      // The instance works again on the next server.
      expect((await ok(url2, 'send_to_instance', { instance_id, message: 'again' }))['reply']).toEqual(expect.any(String));
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });
});
