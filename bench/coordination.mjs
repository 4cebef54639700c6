// Coordination benchmarks: does a parallel fan-out really overlap (wall time vs the sum of its turns), and
// what does a task handle cost? Loopback only, against the bundled simulator with a fixed 300 ms latency per
// model call, bounded in count. `npm run bench`; results go in BENCHMARKS.md.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator, startSimulator } from '../dist/index.js';

const LATENCY_MS = 300;
const sim = await startSimulator({ latencyMs: LATENCY_MS });
const manager = createOrchestrator({
  env: {},
  config: { apiKey: 'bench', baseUrl: sim.url, workspaceDir: mkdtempSync(join(tmpdir(), 'bench-ws-')), maxInstances: 100, coordinationConcurrency: 10 },
});

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const rows = [];
for (const n of [1, 5, 10, 20]) {
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await manager.spawnInstance({ name: `p${i}` })).instance_id);
  sim.reset();
  const parallel = await timed(() => manager.coordinateInstances({ participant_ids: ids, task_description: 'Review this design.', coordination_type: 'parallel' }));
  const maxInFlight = sim.maxInFlight;
  const sequential = await timed(() => manager.coordinateInstances({ participant_ids: ids, task_description: 'Review this design.', coordination_type: 'sequential' }));
  rows.push({
    participants: n,
    parallel_ms: Math.round(parallel.ms),
    parallel_max_in_flight: maxInFlight,
    sequential_ms: Math.round(sequential.ms),
    speedup: +(sequential.ms / parallel.ms).toFixed(1),
  });
  for (const id of ids) await manager.terminateInstance({ instance_id: id });
}
await manager.close();
await sim.close();
console.log(JSON.stringify({ node: process.version, model_call_latency_ms: LATENCY_MS, concurrency_limit: 10, rows }, null, 2));
