// The kernel bench's `idle` part: see ../kernel.mjs for what it measures and how to run it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiB, ROLE, SELF, childPids, lib, r3, stats, trackPid } from './common.mjs';

export async function idleChild(n) {
  const { createOrchestrator } = await lib();
  const ws = mkdtempSync(join(tmpdir(), 'kernel-idle-ws-'));
  try {
    const rssBefore = process.memoryUsage().rss;
    const orch = await createOrchestrator({
      env: {},
      config: { workspaceDir: ws, apiKey: 'bench-fake-key', baseUrl: 'http://127.0.0.1:9', maxInstances: n, healthCheckIntervalSeconds: 86400 },
    });
    const rssCreated = process.memoryUsage().rss;
    const per = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await orch.spawnInstance({ name: `idle-${i}`, role: ROLE });
      per.push(performance.now() - t);
    }
    const wall = performance.now() - t0;
    const mem = process.memoryUsage();
    let afterGc;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      afterGc = process.memoryUsage();
    }
    const listed = await orch.listInstances({ limit: 1 });
    await orch.close();
    const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    const head = per.slice(0, 100);
    const tail = per.slice(-100);
    process.stdout.write(
      JSON.stringify({
        instances: n,
        live_reported: listed.total,
        spawn_wall_ms: Math.round(wall),
        rss_mb_before_orchestrator: r3(rssBefore / MiB),
        rss_mb_after_create: r3(rssCreated / MiB),
        rss_mb_after_spawns: r3(mem.rss / MiB),
        heap_used_mb_after_spawns: r3(mem.heapUsed / MiB),
        rss_mb_after_gc: afterGc ? r3(afterGc.rss / MiB) : null,
        heap_used_mb_after_gc: afterGc ? r3(afterGc.heapUsed / MiB) : null,
        spawn_ms_first_100: { mean: r3(mean(head)), ...stats(head) },
        spawn_ms_last_100: { mean: r3(mean(tail)), ...stats(tail) },
        last_over_first_mean: r3(mean(tail) / mean(head)),
      }) + '\n',
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

export async function partIdle() {
  const n = 1000;
  const child = spawn(process.execPath, ['--expose-gc', SELF, '--idle-child', String(n)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
  trackPid(child.pid);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
  const code = await new Promise((res) => child.once('exit', (c, s) => res(c ?? s)));
  childPids.delete(child.pid);
  if (code !== 0) throw new Error(`idle child exited with ${code}: ${err}`);
  const line = out.trim().split('\n').at(-1);
  return { part: 'idle', mode: 'library API in a child process, sequential spawns, api backend, no model call', ...JSON.parse(line) };
}
