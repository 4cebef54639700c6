// Kernel benchmarks: what the orchestrator's core costs per call, how that cost grows with the store, what an idle
// instance weighs, how fast the server starts, and whether a wide parallel fan-out really overlaps. Written to run
// unchanged against the current and the refactored core: it only uses the built package (../dist/index.js,
// ../dist/cli.js), the MCP tools over stdio, and `await`s every library call (sync today, async later).
//
//   node bench/kernel.mjs                  # every part, in the order below
//   node bench/kernel.mjs mgmt scale       # only the named parts (mgmt, scale, idle, startup, fanout)
//   BENCH_ROUNDS=100 node bench/kernel.mjs # fewer rounds: mgmt runs BENCH_ROUNDS rounds (default 500) and every other
//                                          # round count scales by BENCH_ROUNDS/500 (capped at 5000 rounds)
//   BENCH_FANOUT_SIM=inproc node bench/kernel.mjs fanout   # simulator in this process instead of a child
//
// Needs `npm run build` first (dist/). Everything runs on 127.0.0.1 against the bundled Messages-API simulator, in
// temp dirs under os.tmpdir() that are removed at the end; every child process is killed at exit, even on error,
// and the whole run is bounded by BENCH_MAX_MINUTES (default 30). Each part prints one JSON object on stdout; a
// human-readable summary table follows at the end.
//
// Parts:
//  mgmt     Management-call latency over MCP stdio: the SDK's Client + StdioClientTransport spawning
//           `node dist/cli.js --stdio` on a temp WORKSPACE_DIR (the durable SQLite store), against a 0-latency
//           simulator running in this process. 20 warm-up rounds, then 500 rounds of spawn_claude,
//           get_instance_status, list_instances, send_to_instance (a short message), terminate_instance:
//           p50/p95/p99/max of each. Each round also makes the same turn directly with @anthropic-ai/sdk
//           (streaming .finalMessage(), max_tokens 8192) against the same simulator; overhead = send - direct.
//  scale    spawn (terminated right after, unmeasured), send (to one fixed live instance), status and list (first
//           page, default limit) over MCP stdio with the store seeded to 10,000 instances of which 1,000 live,
//           versus 10 (1 live); 100 rounds each, both servers up at once and the rounds interleaved so drift hits
//           both alike; ratio big/small of each op's p50. Seeding: one live and one terminated template instance
//           through the library API, then rows cloned with better-sqlite3 on <WORKSPACE_DIR>/orchestrator.db
//           (column list from PRAGMA table_info, INSERT ... SELECT with id/name/workspace/created_at replaced,
//           one transaction, no messages/events rows), created_at distinct and increasing, just before the templates.
//  idle     1,000 idle api instances: a child process (clean RSS) creates an orchestrator (temp workspace, fake
//           key and base URL: no model call happens) and spawns 1,000 instances sequentially through the library
//           API; wall ms, RSS (MB) after (and after a forced GC), ms per spawn over the first vs the last 100.
//  startup  Process start -> `initialize` answered: spawn `node dist/cli.js --stdio` (bare env, a fresh temp
//           WORKSPACE_DIR per run so the store is created each time, LOG_LEVEL=silent), write the JSON-RPC
//           initialize request (the MCP SDK client's LATEST_PROTOCOL_VERSION) to its stdin, time to the first stdout
//           line; interleaved with a bare `node -e ''` (time to exit) and `node dist/cli.js --version` (time to
//           exit); 2 warm-ups then 20 runs each; p50s and their ratios to bare node.
//  fanout   coordinate_instances through the library API in-process: simulator at latencyMs 300,
//           coordinationConcurrency 100, apiMaxInFlight 100, 100 api instances; wall ms of 'parallel' vs
//           'sequential' and the speedup. If the code rejects 100 participants (DEFAULTS.maxParticipants), the
//           error is printed and the largest allowed count is used instead (said in the output); a 50-participant
//           row is always measured too, so old and new code can be compared like for like. Then the floor: as many
//           direct @anthropic-ai/sdk calls all at once, no orchestrator. The simulator runs in a
//           forked child by default (so it does not share the orchestrator's event loop); BENCH_FANOUT_SIM=inproc
//           runs it in this process.
import { cleanupSync, r3, roundsFactor } from './kernel/common.mjs';
import { partMgmt } from './kernel/mgmt.mjs';
import { partScale } from './kernel/scale.mjs';
import { idleChild, partIdle } from './kernel/idle.mjs';
import { partStartup } from './kernel/startup.mjs';
import { partFanout, simChild } from './kernel/fanout.mjs';

// ---------------------------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------------------------
function summary(results) {
  const rows = [];
  const add = (part, figure, value) => rows.push([part, figure, value]);
  const fmt = (s) => (s && s.n ? `p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}  max ${s.max}` : 'n/a');
  for (const r of results) {
    if (r.error) {
      add(r.part, 'ERROR', r.error.split('\n')[0].slice(0, 120));
      continue;
    }
    if (r.part === 'mgmt') {
      for (const [k, v] of Object.entries(r.ms)) add('mgmt', `${k} ms`, fmt(v));
    } else if (r.part === 'scale') {
      for (const op of Object.keys(r.p50_ratio_big_over_small)) {
        const s = r.stores.small.ms[op];
        const b = r.stores.big.ms[op];
        add('scale', `${op} p50 ms 10/9 -> 10k/1k`, `${s.p50} -> ${b.p50}  (x${r.p50_ratio_big_over_small[op]})`);
      }
      add('scale', 'server connect ms 10 -> 10k', `${r.stores.small.server_connect_ms} -> ${r.stores.big.server_connect_ms}`);
    } else if (r.part === 'idle') {
      add('idle', `${r.instances} spawns wall ms`, String(r.spawn_wall_ms));
      add('idle', 'RSS MB after (after GC)', `${r.rss_mb_after_spawns} (${r.rss_mb_after_gc ?? 'n/a'})  [${r.rss_mb_after_create} before spawns]`);
      add('idle', 'ms/spawn first 100 -> last 100', `${r.spawn_ms_first_100.mean} -> ${r.spawn_ms_last_100.mean}  (x${r.last_over_first_mean})`);
    } else if (r.part === 'startup') {
      add('startup', 'bare node -e p50 ms', String(r.ms.bare_node.p50));
      add('startup', 'cli --version p50 ms', `${r.ms.cli_version.p50}  (x${r.p50_ratio_cli_version_over_bare_node} bare)`);
      add('startup', 'stdio initialize p50 ms', `${r.ms.stdio_initialize.p50}  (x${r.p50_ratio_stdio_initialize_over_bare_node} bare)`);
      if (r.ms.one_tool_server_initialize) add('startup', 'one-tool server, same SDK, p50 ms', `${r.ms.one_tool_server_initialize.p50}  (x${r.p50_ratio_one_tool_server_over_bare_node} bare)`);
    } else if (r.part === 'fanout') {
      for (const row of r.rows) {
        add('fanout', `${row.participants} parallel / sequential ms`, `${row.parallel_ms} / ${row.sequential_ms}  (x${row.speedup}, max in flight ${row.parallel_max_in_flight_at_simulator})`);
      }
      if (r.fallback) add('fanout', 'note', `${r.fallback.wanted} participants rejected; used ${r.fallback.used}`);
      if (r.sdk_floor) add('fanout', `${r.sdk_floor.calls} direct SDK calls at once ms`, `${r.sdk_floor.parallel_ms}  (sequential / this = x${r.sdk_floor.best_speedup_possible}: the most any orchestrator could reach)`);
      add('fanout', 'simulator', r.simulator);
    }
  }
  const w0 = Math.max(4, ...rows.map((x) => x[0].length));
  const w1 = Math.max(6, ...rows.map((x) => x[1].length));
  const line = (a, b, c) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`;
  return [line('part', 'figure', 'value'), line('-'.repeat(w0), '-'.repeat(w1), '-----'), ...rows.map((x) => line(...x))].join('\n');
}

async function main() {
  const PARTS = { mgmt: partMgmt, scale: partScale, idle: partIdle, startup: partStartup, fanout: partFanout };
  const wanted = process.argv.slice(2);
  for (const p of wanted) if (!PARTS[p]) throw new Error(`unknown part "${p}"; choose from ${Object.keys(PARTS).join(', ')}`);
  const parts = wanted.length > 0 ? wanted : Object.keys(PARTS);

  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  const maxMinutes = Number(process.env.BENCH_MAX_MINUTES ?? 30);
  setTimeout(() => {
    process.stderr.write(`kernel bench: exceeded BENCH_MAX_MINUTES=${maxMinutes}; stopping\n`);
    process.exit(1);
  }, maxMinutes * 60_000).unref();

  const { version } = await import(new URL('../package.json', import.meta.url).href, { with: { type: 'json' } }).then((m) => m.default);
  const results = [];
  let failed = false;
  process.stderr.write(`kernel bench: node ${process.version}, package ${version}, parts ${parts.join(' ')}, rounds x${roundsFactor()}\n`);
  for (const p of parts) {
    const t = performance.now();
    process.stderr.write(`kernel bench: ${p}...\n`);
    let result;
    try {
      result = { node: process.version, ...(await PARTS[p]()) };
    } catch (error) {
      failed = true;
      result = { part: p, error: String(error?.stack ?? error) };
    }
    result.part_wall_s = r3((performance.now() - t) / 1000);
    results.push(result);
    console.log(JSON.stringify(result, null, 2));
  }
  console.log(`\n${summary(results)}`);
  cleanupSync();
  process.exitCode = failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry: the driver, or one of the child modes (this same file, forked): the idle measurement, the simulator.
// ---------------------------------------------------------------------------------------------------------------
if (process.argv[2] === '--idle-child') {
  await idleChild(Number(process.argv[3] ?? 1000));
  process.exit(0);
}
if (process.argv[2] === '--sim-child') {
  await simChild(Number(process.argv[3] ?? 0));
} else {
  await main();
}

