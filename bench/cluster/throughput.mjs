// The cluster bench's `throughput` part: turns per second with 1, 2 and 3 node processes on one PostgreSQL
// database. Each worker owns one api instance and sends to it again and again, each send to the next node in
// turn (round robin over their HTTP ports), so consecutive turns of one instance run on different nodes. The
// simulator answers after a fixed latency, so the ceiling is workers × 1000 / latency turns per second and the
// figure shows how much of it the orchestrators reach, not how fast the simulator is.
import { availableParallelism } from 'node:os';
import { MESSAGE, ROLE } from '../kernel/common.mjs';
import { assertPostgresStore, freePort, nodeEnv, r3, removeDir, startNode, startSimulatorProcess, stats, tempDir, tool } from './common.mjs';

export async function partThroughput(pg) {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const workers = Number(process.env.BENCH_CONCURRENCY ?? 32);
  const counts = (process.env.BENCH_NODES ?? '1,2,3').split(',').map(Number);
  const sim = await startSimulatorProcess({ latencyMs });
  try {
    const runs = [];
    for (const n of counts) runs.push(await measure(pg, sim.url, n, workers, seconds));
    const base = runs[0]?.turns_per_second ?? 0;
    for (const run of runs) run.speedup = base > 0 ? r3(run.turns_per_second / base) : null;
    return {
      part: 'throughput',
      store: 'PostgreSQL 15 on 127.0.0.1, one database shared by the nodes',
      transport: 'REST POST /tools/execute, round robin over the nodes',
      simulator_latency_ms: latencyMs,
      workers,
      seconds_per_run: seconds,
      ceiling_turns_per_second: r3((workers * 1000) / latencyMs),
      cpus: availableParallelism(),
      runs,
    };
  } finally {
    await sim.close();
  }
}

async function measure(pg, simUrl, n, workers, seconds) {
  const db = await pg.createDatabase();
  const nodes = [];
  const dirs = [];
  try {
    for (let i = 0; i < n; i++) {
      const workspaceDir = tempDir(`cluster-tp-${n}-${i}-`);
      dirs.push(workspaceDir);
      nodes.push(await startNode(nodeEnv({ db, workspaceDir, port: await freePort(), simUrl })));
      if (i === 0) await assertPostgresStore(db);
    }
    let next = 0;
    const pick = () => nodes[next++ % n].url;
    const ids = [];
    for (let w = 0; w < workers; w++) ids.push((await tool(pick(), 'spawn_claude', { name: `t${w}`, role: ROLE })).instance_id);
    // One turn each first: connections, caches and the first conversation reads are not what is measured.
    await Promise.all(ids.map((id) => tool(pick(), 'send_to_instance', { instance_id: id, message: MESSAGE })));
    const latencies = [];
    let errors = 0;
    let firstError;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      ids.map(async (id) => {
        while (performance.now() < deadline) {
          const t = performance.now();
          try {
            await tool(pick(), 'send_to_instance', { instance_id: id, message: MESSAGE });
            latencies.push(performance.now() - t);
          } catch (error) {
            errors += 1;
            firstError ??= error.message;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return {
      nodes: n,
      turns: latencies.length,
      errors,
      ...(firstError ? { first_error: firstError } : {}),
      seconds: r3(elapsed),
      turns_per_second: r3(latencies.length / elapsed),
      send_ms: stats(latencies),
    };
  } catch (error) {
    for (const node of nodes) process.stderr.write(`[throughput ${n} nodes] ${node.url} stderr tail:\n${node.stderr()}\n`);
    throw error;
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    for (const dir of dirs) removeDir(dir);
  }
}
