import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, storePath } from '../config/load-config.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { bareEnv, startBin } from '../test-support/bin.js';
import { record } from '../test-support/records.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

type S = Record<string, any>;

async function ok(url: string, tool: string, args: S): Promise<S> {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  const body = (await res.json()) as S;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body['structuredContent'] as S;
}

/** A server on this host whose process is gone (no process has this pid's start time). */
const goneServer = { id: `${hostname()}:999999:1`, host: hostname(), pid: 999_999, processStart: '1', startedAt: '2026-11-25T00:00:00.000Z', address: null, heartbeatAt: '2026-11-25T00:00:00.000Z' };

describe('recovery of a half-done spawn or terminate', () => {
  it('the next server on the store finishes what a server that is gone left in spawning or terminating, marks the turns it left on ended instances, and releases every lease of it', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'half-done-'));
    // What a server leaves when it dies between the two writes of a spawn or of a terminate: the instance in
    // its transient state, its lease and its task still the dead server's.
    const store = new SqliteStore(storePath(loadConfig({}, {}, { workspaceDir: workspace })));
    const now = Date.now();
    const at = new Date(now).toISOString();
    await store.transaction(async (tx) => {
      await tx.registerOwner(goneServer);
      await tx.insertInstance(record('inst_spawning', { state: 'spawning', stateReason: 'spawned', stateChangedAt: at, workspace: join(workspace, 'inst_spawning') }));
      await tx.insertInstance(record('inst_terminating', { state: 'terminating', stateReason: 'requested', stateChangedAt: at, turns: 1, workspace: join(workspace, 'inst_terminating') }));
      await tx.acquireLease('inst_spawning', goneServer.id, now, 3_600_000);
      await tx.acquireLease('inst_terminating', goneServer.id, now, 3_600_000);
      // A spawn that got no lease, left long ago (older than a lease): its age alone shows nobody finishes it.
      await tx.insertInstance(record('inst_spawning_old', { state: 'spawning', stateReason: 'spawned', stateChangedAt: '2026-01-01T00:00:00.000Z', workspace: join(workspace, 'inst_spawning_old') }));
      // Terminated (or being terminated) while a turn ran, and the server died before that turn recorded its end:
      // the turn's lease and its unanswered message are left, with its finished call charged (crash matrix, seed 1913).
      for (const [id, state] of [['inst_cut_terminated', 'terminated'], ['inst_cut_terminating', 'terminating']] as const) {
        await tx.insertInstance(record(id, { state, stateReason: 'requested', stateChangedAt: at, workspace: join(workspace, id) }));
        await tx.appendMessage(id, { role: 'user', content: 'cut off by the crash', at });
        await tx.charge({ instanceId: id, chain: [id], usage: { ...record(id).usage, inputTokens: 147, outputTokens: 57 }, costNanos: 864_000, cacheSavingsNanos: 0 });
        await tx.acquireLease(id, goneServer.id, now, 3_600_000);
      }
      // Leased by a server killed before its turn began: nothing to mark, only the lease to free.
      await tx.insertInstance(record('inst_idle_leased', { state: 'idle', stateReason: 'turn_finished', createdAt: at, stateChangedAt: at, workspace: join(workspace, 'inst_idle_leased') }));
      await tx.acquireLease('inst_idle_leased', goneServer.id, now, 3_600_000);
    });
    await store.close();

    const next = startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url }));
    try {
      const url = await next.url.catch((e: unknown) => { throw new Error(`${String(e)}\n${next.stderr()}`); });
      // Start-up recovery runs before the server answers: both are finished, not left for a lease to run out (an hour).
      const spawning = await ok(url, 'get_instance_status', { instance_id: 'inst_spawning' });
      expect(spawning).toMatchObject({ state: 'failed' });
      const terminating = await ok(url, 'get_instance_status', { instance_id: 'inst_terminating' });
      expect(terminating).toMatchObject({ state: 'terminated', turns: 1 });
      expect(await ok(url, 'get_instance_status', { instance_id: 'inst_spawning_old' })).toMatchObject({ state: 'failed' });
      // The live instance count no longer has them: a new instance can be spawned and used.
      const listed = (await ok(url, 'list_instances', {}))['instances'] as S[];
      expect(listed.filter((i) => i['state'] === 'spawning' || i['state'] === 'terminating')).toEqual([]);
      for (const id of ['inst_cut_terminated', 'inst_cut_terminating']) {
        expect(await ok(url, 'get_instance_status', { instance_id: id })).toMatchObject({ state: 'terminated' });
        const [cut] = (await ok(url, 'get_instance_output', { instance_id: id }))['messages'] as S[];
        expect(cut).toMatchObject({ role: 'user', content: 'cut off by the crash', failed: true, error: expect.stringMatching(/^Interrupted: .*ended meanwhile/) });
      }
      expect((await ok(url, 'send_to_instance', { instance_id: 'inst_idle_leased', message: 'free?' }))['reply']).toEqual(expect.any(String));
      const fresh = await ok(url, 'spawn_claude', { name: 'after recovery' });
      expect((await ok(url, 'send_to_instance', { instance_id: fresh['instance_id'], message: 'hello' }))['reply']).toEqual(expect.any(String));
    } finally {
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    }
    // What it did is on the store for every later server: the leases are gone.
    const after = new SqliteStore(storePath(loadConfig({}, {}, { workspaceDir: workspace })));
    expect(await after.leaseOf('inst_spawning')).toBeNull();
    expect(await after.leaseOf('inst_terminating')).toBeNull();
    expect(await after.leaseOwners(10)).toEqual([]);
    await after.close();
  });
});
