// Cluster benchmarks (issue 12): several orchestrator nodes on one PostgreSQL database, as separate processes.
//
//   npm run build && node bench/cluster.mjs                 # every part, in the order below
//   node bench/cluster.mjs mgmt|throughput|failover         # one part (or several, in the order given)
//
// Everything runs on 127.0.0.1: a throwaway PostgreSQL 15 cluster (the machine's initdb and pg_ctl in a temp dir,
// through runuser as root, like src/test-support/postgres.ts), the bundled Messages-API simulator in its own process,
// and each node as `node dist/cli.js serve` with its own WORKSPACE_DIR. Temp dirs are removed and child processes
// killed at exit, even on error. Each part prints one JSON object on stdout.
//
// Parts:
//  mgmt        Management-op latency and per-turn overhead, SQLite against PostgreSQL: one node per store, MCP over
//              Streamable HTTP, BENCH_ROUNDS rounds (default 200, after a tenth as warm-up) of spawn_claude,
//              get_instance_status, list_instances, send_to_instance, terminate_instance, plus the same turn made
//              directly with @anthropic-ai/sdk; overhead = send - direct. Simulator latency 0.
//  throughput  Turns per second with 1, 2 and 3 nodes (BENCH_NODES, default 1,2,3) on one database:
//              BENCH_CONCURRENCY workers (default 32), each with its own api instance, send for BENCH_SECONDS
//              (default 15) over REST, each send to the next node in turn; simulator latency BENCH_LATENCY_MS
//              (default 50), so the ceiling is workers x 1000 / latency. Reports turns/s, speedup over 1 node, send
//              latency, and the machine's CPU count (all processes share it).
//  failover    Time from a node's kill -9 to its api instances answering on another node: node B stays up; each of
//              BENCH_FAILOVER_ROUNDS rounds (default 3) a new node A spawns BENCH_FAILOVER_INSTANCES api instances
//              (default 4) and one more with a turn in flight, and is killed; then the ms until each answers through
//              B, and whether the interrupted turn is marked, the holds released and no task left working. Node
//              checks: NODE_HEARTBEAT_SECONDS=1, NODE_DEAD_SECONDS=3 unless set. Modes: same-host (A's process
//              gone) and, as root, other-host (A under its own host name, judged by its heartbeat).
import { partFailover } from './cluster/failover.mjs';
import { partMgmt } from './cluster/mgmt.mjs';
import { startPostgres } from './cluster/postgres.mjs';
import { partThroughput } from './cluster/throughput.mjs';
import { cleanupSync, simChild } from './cluster/common.mjs';

const PARTS = { mgmt: partMgmt, throughput: partThroughput, failover: partFailover };

async function main() {
  const names = process.argv.slice(2);
  for (const name of names) if (!(name in PARTS)) throw new Error(`Unknown part ${JSON.stringify(name)}: use ${Object.keys(PARTS).join(', ')} (none: all).`);
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  const pg = await startPostgres();
  try {
    for (const name of names.length > 0 ? names : Object.keys(PARTS)) {
      const started = performance.now();
      const result = await PARTS[name](pg);
      console.log(JSON.stringify({ ...result, node: process.version, wall_s: Math.round((performance.now() - started) / 100) / 10 }, null, 2));
    }
  } finally {
    await pg.stop();
  }
}

if (process.argv[2] === '--sim-child') {
  await simChild(Number(process.argv[3] ?? 0), Number(process.argv[4] ?? 60_000));
} else {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  }
  // Children still running are killed by the exit handler.
  process.exit();
}
