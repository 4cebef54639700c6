import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../test-support/bin.js';
import { messageText } from '../test-support/message-text.js';

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

const ok = async (url: string, tool: string, args: S): Promise<S> => {
  const r = await call(url, tool, args);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body['structuredContent'] as S;
};

function server(workspace: string): RunningBin {
  return startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, LOG_LEVEL: 'info' }));
}

/** Holds every reply to `marker` until release(). */
function hold(marker: string): void {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  release = open;
  sim.setScript([{ match: { lastUser: marker }, reply: async () => (await gate, `late reply to ${marker}`) }]);
}

describe('durability across server processes', () => {
  it('after kill -9 mid-turn, a restarted server has every instance, history and charge, the turn marked interrupted and retryable', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'durable-'));
    const first = server(workspace);
    const url = await first.url;
    const { instance_id } = await ok(url, 'spawn_claude', { name: 'keeper', role: 'backend_developer' });
    const turn1 = await ok(url, 'send_to_instance', { instance_id, message: 'first, completed' });
    hold('second, cut off');
    const handle = await ok(url, 'send_to_instance', { instance_id, message: 'second, cut off', wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    await expect.poll(() => sim.inFlight).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;
    release();
    sim.setScript([]);

    const second = server(workspace);
    const url2 = await second.url;
    const status = await ok(url2, 'get_instance_status', { instance_id });
    expect(status).toMatchObject({ state: 'idle', turns: 1, error_count: 1 });
    expect(status['usage']).toEqual(turn1['usage']);
    expect(status['cost_usd']).toBe(turn1['cost_usd']);
    const history = (await ok(url2, 'get_instance_output', { instance_id }))['messages'] as S[];
    expect(history.map((m) => [m['role'], m['content'], m['failed'] ?? false])).toEqual([
      ['user', 'first, completed', false],
      ['assistant', turn1['reply'], false],
      ['user', 'second, cut off', true],
    ]);
    expect(history[2]?.['error']).toMatch(/Interrupted/);
    const task = await ok(url2, 'get_task', { task_id: handle['task_id'] });
    expect(task).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } });
    expect(task['error']['message']).toMatch(/send_to_instance/);
    // The api instance continues its conversation: the retried message follows the completed turn.
    sim.reset();
    await ok(url2, 'send_to_instance', { instance_id, message: 'second, again' });
    expect(sim.requests[0]?.body.messages.map(messageText)).toEqual(['first, completed', turn1['reply'], 'second, again']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('lets two servers on one store see and continue the same instances, one turn at a time', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'shared-'));
    const a = server(workspace);
    const b = server(workspace);
    const [urlA, urlB] = await Promise.all([a.url, b.url]);
    const { instance_id } = await ok(urlA, 'spawn_claude', { name: 'shared' });
    expect(((await ok(urlB, 'list_instances', {}))['instances'] as S[]).map((i) => i['instance_id'])).toContain(instance_id);
    sim.reset();
    // Both servers send at once: the lease serialises the turns, so the history stays a clean alternation.
    await Promise.all([
      ok(urlA, 'send_to_instance', { instance_id, message: 'from A' }),
      ok(urlB, 'send_to_instance', { instance_id, message: 'from B' }),
    ]);
    expect(sim.maxInFlight).toBe(1);
    const roles = ((await ok(urlB, 'get_instance_output', { instance_id }))['messages'] as S[]).map((m) => m['role']);
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect((await ok(urlA, 'get_instance_status', { instance_id }))['turns']).toBe(2);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('on SIGTERM lets the running turn finish, then exits 0 with the instance kept idle', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'drain-'));
    const first = server(workspace);
    const url = await first.url;
    const { instance_id } = await ok(url, 'spawn_claude', { name: 'drainer' });
    hold('finish me');
    const pending = call(url, 'send_to_instance', { instance_id, message: 'finish me' });
    await expect.poll(() => sim.inFlight).toBe(1);
    first.child.kill('SIGTERM');
    release();
    const answered = await pending;
    expect(answered.status).toBe(200);
    expect(answered.body['structuredContent']['reply']).toBe('late reply to finish me');
    expect(await first.exited).toBe(0);
    sim.setScript([]);

    const again = server(workspace);
    const status = await ok(await again.url, 'get_instance_status', { instance_id });
    expect(status).toMatchObject({ state: 'idle', turns: 1, error_count: 0 });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
