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
import { fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------
function roundsFactor() {
  const r = Number(process.env.BENCH_ROUNDS ?? 500);
  if (!Number.isFinite(r) || r <= 0) throw new Error(`BENCH_ROUNDS must be a positive number, got ${process.env.BENCH_ROUNDS}`);
  return Math.min(r, 5000) / 500;
}
function scaled(n, min = 1) {
  return Math.max(min, Math.round(n * roundsFactor()));
}

const r3 = (x) => Math.round(x * 1000) / 1000;
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0 };
  // Nearest-rank percentiles.
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: r3(at(0.5)), p95: r3(at(0.95)), p99: r3(at(0.99)), max: r3(s[s.length - 1]), mean: r3(mean) };
}

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** Temp dirs and child processes to clean up at exit, whatever happens. */
const tempDirs = new Set();
const childPids = new Set();
function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
  tempDirs.delete(dir);
}
function trackPid(pid) {
  if (pid) childPids.add(pid);
  return pid;
}
function killTracked() {
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  childPids.clear();
}
function cleanupSync() {
  killTracked();
  for (const dir of [...tempDirs]) removeDir(dir);
}

/** Loads the built library fresh from ../dist (never from the installed package). */
async function lib() {
  return import(new URL('../dist/index.js', import.meta.url).href);
}

/** Environment of a stdio server: bare (what an MCP client passes), plus the settings it needs. */
function serverEnv(extra) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LOG_LEVEL: 'silent',
    // Keep the periodic sweep out of the measured calls; budgets and lifetimes never get in the way.
    HEALTH_CHECK_INTERVAL_SECONDS: '86400',
    MAX_TOKENS_PER_INSTANCE: '1000000000',
    MAX_TOTAL_COST: '100000',
    INSTANCE_TIMEOUT_MINUTES: '1440',
    ...extra,
  };
}

/** An MCP client over stdio to `node dist/cli.js --stdio`, with the server's stderr kept for error reports. */
async function connectStdio(env) {
  const { Client } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--stdio'], cwd: tmpdir(), env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const client = new Client({ name: 'kernel-bench', version: '1' });
  let connect;
  try {
    connect = await timed(() => client.connect(transport));
  } catch (error) {
    trackPid(transport.pid);
    await transport.close().catch(() => undefined);
    throw new Error(`MCP stdio server did not start: ${error?.message ?? error}\nserver stderr tail:\n${stderr}`);
  }
  trackPid(transport.pid);
  const pid = transport.pid;
  return {
    client,
    connectMs: connect.ms,
    stderr: () => stderr,
    async close() {
      await client.close().catch(() => undefined);
      childPids.delete(pid);
    },
  };
}

/** Calls a tool and throws on a tool error, so a failing call is never timed as a fast one. */
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content ?? []).map((c) => c.text ?? '').join(' ');
    throw new Error(`${name} failed: ${text.slice(0, 500)}`);
  }
  return result.structuredContent ?? {};
}

const ROLE = 'backend_developer';
const MESSAGE = 'Design a small REST API for tasks.';
const DIRECT_SYSTEM = 'You are a senior backend developer.';
const MODEL = 'claude-sonnet-5-5';

// ---------------------------------------------------------------------------------------------------------------
// Part 1: mgmt
// ---------------------------------------------------------------------------------------------------------------
async function partMgmt() {
  const { startSimulator } = await lib();
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const rounds = scaled(500);
  const warmup = scaled(20, 2);
  const sim = await startSimulator();
  const ws = tempDir('kernel-mgmt-ws-');
  let server;
  try {
    server = await connectStdio(serverEnv({ ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: sim.url, WORKSPACE_DIR: ws, MAX_INSTANCES: '1000' }));
    const { client } = server;
    const anthropic = new Anthropic({ apiKey: 'bench', baseURL: sim.url, maxRetries: 0 });
    const ms = { spawn_claude: [], get_instance_status: [], list_instances: [], send_to_instance: [], terminate_instance: [], direct_sdk: [] };
    for (let i = 0; i < warmup + rounds; i++) {
      const keep = i >= warmup;
      const spawned = await timed(() => call(client, 'spawn_claude', { name: `m${i}`, role: ROLE }));
      const id = spawned.value.instance_id;
      if (!id) throw new Error(`spawn_claude returned no instance_id: ${JSON.stringify(spawned.value).slice(0, 300)}`);
      const status = await timed(() => call(client, 'get_instance_status', { instance_id: id }));
      const list = await timed(() => call(client, 'list_instances', {}));
      const send = await timed(() => call(client, 'send_to_instance', { instance_id: id, message: MESSAGE }));
      if (typeof send.value.reply !== 'string') throw new Error(`send_to_instance gave no reply: ${JSON.stringify(send.value).slice(0, 300)}`);
      const direct = await timed(() =>
        anthropic.messages.stream({ model: MODEL, max_tokens: 8192, system: DIRECT_SYSTEM, messages: [{ role: 'user', content: MESSAGE }] }).finalMessage(),
      );
      const term = await timed(() => call(client, 'terminate_instance', { instance_id: id }));
      if (!keep) continue;
      ms.spawn_claude.push(spawned.ms);
      ms.get_instance_status.push(status.ms);
      ms.list_instances.push(list.ms);
      ms.send_to_instance.push(send.ms);
      ms.direct_sdk.push(direct.ms);
      ms.terminate_instance.push(term.ms);
    }
    const overhead = ms.send_to_instance.map((s, i) => s - ms.direct_sdk[i]);
    return {
      part: 'mgmt',
      transport: 'mcp-stdio',
      store: 'sqlite (temp WORKSPACE_DIR)',
      simulator_latency_ms: 0,
      rounds,
      warmup_rounds: warmup,
      server_connect_ms: r3(server.connectMs),
      ms: {
        spawn_claude: stats(ms.spawn_claude),
        get_instance_status: stats(ms.get_instance_status),
        list_instances: stats(ms.list_instances),
        send_to_instance: stats(ms.send_to_instance),
        terminate_instance: stats(ms.terminate_instance),
        same_turn_direct_sdk: stats(ms.direct_sdk),
        overhead_per_turn: stats(overhead),
      },
    };
  } catch (error) {
    if (server) process.stderr.write(`[mgmt] server stderr tail:\n${server.stderr()}\n`);
    throw error;
  } finally {
    await server?.close();
    await sim.close();
    removeDir(ws);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: scale
// ---------------------------------------------------------------------------------------------------------------
function cloneId(templateId) {
  const m = /^([A-Za-z]+_)([0-9a-f]+)$/.exec(templateId);
  if (m) return m[1] + randomBytes(Math.ceil(m[2].length / 2)).toString('hex').slice(0, m[2].length);
  return randomUUID();
}

/** Seeds a store: one live and one terminated template through the library, then cloned rows. */
async function seedStore(ws, total, live, baseUrl) {
  const { createOrchestrator } = await lib();
  const { default: Database } = await import('better-sqlite3');
  const t0 = performance.now();
  const orch = await createOrchestrator({
    env: {},
    config: { workspaceDir: ws, apiKey: 'bench', baseUrl, maxInstances: 20000, maxTokensPerInstance: 1_000_000_000, maxTotalCostUsd: 100000, instanceTimeoutMinutes: 1440 },
  });
  let liveId;
  let deadId;
  try {
    liveId = (await orch.spawnInstance({ name: 'seed-live', role: ROLE })).instance_id;
    deadId = (await orch.spawnInstance({ name: 'seed-dead', role: ROLE })).instance_id;
    await orch.terminateInstance({ instance_id: deadId });
  } finally {
    await orch.close();
  }
  const db = new Database(join(ws, 'orchestrator.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const cols = db.prepare('PRAGMA table_info(instances)').all().map((c) => c.name);
    const q = (c) => `"${c.replace(/"/g, '""')}"`;
    const replaced = ['id', 'name', 'workspace', 'created_at'].filter((c) => cols.includes(c));
    const insert = db.prepare(
      `INSERT INTO instances (${cols.map(q).join(', ')}) SELECT ${cols.map((c) => (replaced.includes(c) ? `@${c}` : q(c))).join(', ')} FROM instances WHERE id = @src`,
    );
    const rowOf = (id) => db.prepare('SELECT * FROM instances WHERE id = ?').get(id);
    const liveRow = rowOf(liveId);
    const deadRow = rowOf(deadId);
    const clones = total - 2;
    const liveClones = live - 1;
    // created_at: distinct, increasing, all just before the templates (in the templates' own type and unit).
    const firstCreated = typeof liveRow.created_at === 'number' ? Math.min(liveRow.created_at, deadRow.created_at) : [liveRow.created_at, deadRow.created_at].sort()[0];
    const createdAt = (i) => {
      if (typeof firstCreated === 'number') return firstCreated - clones - 1 + i;
      const base = Date.parse(firstCreated);
      if (Number.isNaN(base)) throw new Error(`created_at is neither a number nor a date: ${firstCreated}`);
      return new Date(base - clones - 1000 + i).toISOString();
    };
    db.transaction(() => {
      for (let i = 0; i < clones; i++) {
        // Live clones spread evenly among the terminated ones.
        const isLive = Math.floor(((i + 1) * liveClones) / clones) > Math.floor((i * liveClones) / clones);
        const src = isLive ? liveRow : deadRow;
        const id = cloneId(src.id);
        const params = { src: src.id };
        if (replaced.includes('id')) params.id = id;
        if (replaced.includes('name')) params.name = `${src.name}-${i}`;
        if (replaced.includes('workspace')) params.workspace = typeof src.workspace === 'string' ? src.workspace.split(src.id).join(id) : src.workspace;
        if (replaced.includes('created_at')) params.created_at = createdAt(i);
        insert.run(params);
      }
    })();
    const count = db.prepare('SELECT COUNT(*) AS n FROM instances').get().n;
    if (count !== total) throw new Error(`seeding produced ${count} instances, expected ${total}`);
  } finally {
    db.close();
  }
  return { liveId, seedMs: performance.now() - t0 };
}

async function partScale() {
  const { startSimulator } = await lib();
  const rounds = scaled(100);
  const warmup = scaled(10, 2);
  const sim = await startSimulator();
  const configs = [
    // Both stores fill a first page of LIST_PAGE live instances, so the list compares like with like: a page
    // of 50 views weighs more than a page of 1 whatever the store holds.
    { key: 'small', total: 10, live: 9 },
    { key: 'big', total: 10_000, live: 1_000 },
  ];
  const ops = ['spawn', 'send', 'status', 'list'];
  const LIST_PAGE = 5;
  try {
    for (const c of configs) {
      c.ws = tempDir(`kernel-scale-${c.key}-`);
      const seeded = await seedStore(c.ws, c.total, c.live, sim.url);
      c.liveId = seeded.liveId;
      c.seedMs = seeded.seedMs;
      c.server = await connectStdio(serverEnv({ ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: sim.url, WORKSPACE_DIR: c.ws, MAX_INSTANCES: '20000' }));
      const first = await call(c.server.client, 'list_instances', {});
      c.listedLiveTotal = first.total;
      c.listedPageSize = Array.isArray(first.instances) ? first.instances.length : undefined;
      c.storedTotal = first.totals?.instances_total;
      if (typeof first.total === 'number' && first.total !== c.live) throw new Error(`[scale ${c.key}] list_instances reports ${first.total} live instances, seeded ${c.live}`);
      c.ms = { spawn: [], send: [], status: [], list: [], terminate: [], list_default_page: [] };
    }
    const round = async (c, i, keep) => {
      const { client } = c.server;
      const spawned = await timed(() => call(client, 'spawn_claude', { name: `s${i}`, role: ROLE }));
      const term = await timed(() => call(client, 'terminate_instance', { instance_id: spawned.value.instance_id }));
      const send = await timed(() => call(client, 'send_to_instance', { instance_id: c.liveId, message: 'Status?' }));
      const status = await timed(() => call(client, 'get_instance_status', { instance_id: c.liveId }));
      const list = await timed(() => call(client, 'list_instances', { limit: LIST_PAGE }));
      const fullPage = await timed(() => call(client, 'list_instances', {}));
      if (!keep) return;
      c.ms.list_default_page.push(fullPage.ms);
      c.ms.spawn.push(spawned.ms);
      c.ms.terminate.push(term.ms);
      c.ms.send.push(send.ms);
      c.ms.status.push(status.ms);
      c.ms.list.push(list.ms);
    };
    for (let i = 0; i < warmup + rounds; i++) {
      const order = i % 2 === 0 ? configs : [...configs].reverse();
      for (const c of order) await round(c, i, i >= warmup);
    }
    const [small, big] = configs;
    const out = {
      part: 'scale',
      transport: 'mcp-stdio',
      rounds,
      warmup_rounds: warmup,
      note: `spawn is followed by a measured terminate of the new instance; send/status go to one fixed live instance; list is the first page of ${LIST_PAGE} (both stores fill it); list_default_page is the default page (50 in the big store, 9 in the small), reported but not a like-for-like ratio`,
      stores: {},
      p50_ratio_big_over_small: {},
    };
    for (const c of configs) {
      out.stores[c.key] = {
        seeded_instances: c.total,
        seeded_live: c.live,
        seed_ms: Math.round(c.seedMs),
        server_connect_ms: r3(c.server.connectMs),
        list_total_live: c.listedLiveTotal,
        list_page_size: c.listedPageSize,
        totals_instances_total: c.storedTotal,
        ms: Object.fromEntries(Object.entries(c.ms).map(([k, v]) => [k, stats(v)])),
      };
    }
    for (const op of [...ops, 'terminate']) out.p50_ratio_big_over_small[op] = r3(stats(big.ms[op]).p50 / stats(small.ms[op]).p50);
    return out;
  } catch (error) {
    for (const c of configs) if (c.server) process.stderr.write(`[scale ${c.key}] server stderr tail:\n${c.server.stderr()}\n`);
    throw error;
  } finally {
    for (const c of configs) await c.server?.close();
    await sim.close();
    for (const c of configs) if (c.ws) removeDir(c.ws);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 3: idle
// ---------------------------------------------------------------------------------------------------------------
async function idleChild(n) {
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

async function partIdle() {
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

// ---------------------------------------------------------------------------------------------------------------
// Part 4: startup
// ---------------------------------------------------------------------------------------------------------------
function timeToExit(args, env) {
  return new Promise((res, rej) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
    trackPid(child.pid);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', rej);
    child.once('exit', (code) => {
      const ms = performance.now() - t;
      childPids.delete(child.pid);
      if (code !== 0) rej(new Error(`node ${args.join(' ')} exited with ${code}`));
      else res({ ms, out });
    });
  });
}

function timeToInitialize(protocolVersion, script = CLI, args = ['--stdio']) {
  const ws = tempDir('kernel-startup-ws-');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', WORKSPACE_DIR: ws, LOG_LEVEL: 'silent' };
  const request = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'kernel-bench', version: '1' } },
  });
  return new Promise((res, rej) => {
    const t = performance.now();
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: tmpdir() });
    trackPid(child.pid);
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no initialize answer within 30 s; stderr: ${err}`)), 30_000);
    const finish = (error, ms, line) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.once('exit', () => {
        childPids.delete(child.pid);
        removeDir(ws);
        if (error) rej(error);
        else res({ ms, line });
      });
      if (child.exitCode !== null || child.signalCode !== null) child.emit('exit');
    };
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const ms = performance.now() - t;
      const line = out.slice(0, nl);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return finish(new Error(`first stdout line is not JSON: ${line.slice(0, 300)}`));
      }
      if (msg.id !== 0 || !msg.result) return finish(new Error(`first stdout line is not the initialize result: ${line.slice(0, 300)}`));
      finish(undefined, ms, msg);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.once('error', (e) => finish(e));
    child.stdin.on('error', () => undefined);
    child.stdin.write(`${request}\n`);
  });
}

/**
 * The floor of any server on our MCP SDK: one tool, stdio, bundled and minified the way our bin is (esbuild, a
 * dev dependency), written to a temp dir. Undefined when esbuild is not installed.
 */
async function buildReferenceServer() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const dir = tempDir('kernel-ref-server-');
  const entry = join(ROOT, '.kernel-ref-server.mjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    "import { McpServer } from '@modelcontextprotocol/server';\nimport { serveStdio } from '@modelcontextprotocol/server/stdio';\nimport { z } from 'zod';\n" +
      "serveStdio(() => { const s = new McpServer({ name: 'one-tool', version: '1' }, { capabilities: { tools: {} } }); " +
      "s.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async (a) => ({ content: [{ type: 'text', text: a.text }] })); return s; }, {});\n",
  );
  try {
    await esbuild.build({ entryPoints: [entry], outfile: join(dir, 'server.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', minify: true, logLevel: 'silent' });
  } finally {
    rmSync(entry, { force: true });
  }
  return join(dir, 'server.mjs');
}

async function partStartup() {
  const mcp = await import('@modelcontextprotocol/client');
  const protocolVersion = mcp.LATEST_PROTOCOL_VERSION ?? '2025-06-18';
  const runs = scaled(20, 3);
  const warmups = 2;
  const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const reference = await buildReferenceServer();
  const ms = { bare_node: [], cli_version: [], stdio_initialize: [], one_tool_server_initialize: [] };
  let negotiated;
  let version;
  for (let i = 0; i < warmups + runs; i++) {
    const bare = await timeToExit(['-e', ''], bareEnv);
    const ver = await timeToExit([CLI, '--version'], bareEnv);
    const init = await timeToInitialize(protocolVersion);
    const ref = reference ? await timeToInitialize(protocolVersion, reference, []) : undefined;
    negotiated = init.line.result?.protocolVersion;
    version = ver.out.trim();
    if (i < warmups) continue;
    ms.bare_node.push(bare.ms);
    ms.cli_version.push(ver.ms);
    ms.stdio_initialize.push(init.ms);
    if (ref) ms.one_tool_server_initialize.push(ref.ms);
  }
  const p50 = (k) => stats(ms[k]).p50;
  return {
    part: 'startup',
    runs,
    warmup_runs: warmups,
    protocol_version_sent: protocolVersion,
    protocol_version_answered: negotiated,
    cli_version_output: version,
    note: 'stdio_initialize: spawn -> first stdout line (the initialize result), fresh WORKSPACE_DIR per run; bare_node and cli_version: spawn -> exit; one_tool_server_initialize: a one-tool server on the same MCP SDK, bundled the same way (the floor for any server on it)',
    ms: { bare_node: stats(ms.bare_node), cli_version: stats(ms.cli_version), stdio_initialize: stats(ms.stdio_initialize), one_tool_server_initialize: reference ? stats(ms.one_tool_server_initialize) : null },
    p50_ratio_stdio_initialize_over_bare_node: r3(p50('stdio_initialize') / p50('bare_node')),
    p50_ratio_one_tool_server_over_bare_node: reference ? r3(p50('one_tool_server_initialize') / p50('bare_node')) : null,
    p50_ratio_cli_version_over_bare_node: r3(p50('cli_version') / p50('bare_node')),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 5: fanout
// ---------------------------------------------------------------------------------------------------------------
async function simChild(latencyMs) {
  const { startSimulator } = await lib();
  const sim = await startSimulator({ latencyMs });
  process.on('message', (m) => {
    if (m === 'reset') {
      sim.reset();
      process.send({ reset: true });
    } else if (m === 'stats') process.send({ maxInFlight: sim.maxInFlight, requests: sim.requests.length });
    else if (m === 'close') void sim.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
  process.send({ url: sim.url });
}

/** A simulator in a forked child (its own event loop), driven over IPC; or in this process. */
async function startFanoutSimulator(latencyMs, mode) {
  if (mode === 'inproc') {
    const { startSimulator } = await lib();
    const sim = await startSimulator({ latencyMs });
    return { url: sim.url, reset: async () => sim.reset(), maxInFlight: async () => sim.maxInFlight, close: () => sim.close() };
  }
  const child = fork(SELF, ['--sim-child', String(latencyMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: tmpdir() });
  trackPid(child.pid);
  const next = (pred) =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('simulator child did not answer within 10 s')), 10_000);
      const on = (m) => {
        if (!pred(m)) return;
        clearTimeout(timer);
        child.off('message', on);
        res(m);
      };
      child.on('message', on);
    });
  const { url } = await next((m) => typeof m?.url === 'string');
  return {
    url,
    reset: async () => {
      const p = next((m) => m?.reset);
      child.send('reset');
      await p;
    },
    maxInFlight: async () => {
      const p = next((m) => typeof m?.maxInFlight === 'number');
      child.send('stats');
      return (await p).maxInFlight;
    },
    close: async () => {
      const exited = new Promise((res) => child.once('exit', res));
      child.send('close');
      await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
      child.kill('SIGKILL');
      childPids.delete(child.pid);
    },
  };
}

async function partFanout() {
  const { createOrchestrator, DEFAULTS } = await lib();
  const LATENCY = 300;
  const WANT = 100;
  const PARALLEL_REPS = 3;
  const mode = process.env.BENCH_FANOUT_SIM === 'inproc' ? 'inproc' : 'child';
  const sim = await startFanoutSimulator(LATENCY, mode);
  const ws = tempDir('kernel-fanout-ws-');
  let orch;
  try {
    orch = await createOrchestrator({
      env: { COORDINATION_CONCURRENCY: '100', API_MAX_IN_FLIGHT: '100' },
      config: {
        apiKey: 'bench',
        baseUrl: sim.url,
        workspaceDir: ws,
        maxInstances: 200,
        coordinationConcurrency: 100,
        apiMaxInFlight: 100,
        maxTokensPerInstance: 1_000_000_000,
        maxTotalCostUsd: 100000,
        instanceTimeoutMinutes: 1440,
        healthCheckIntervalSeconds: 86400,
      },
    });
    const ids = [];
    for (let i = 0; i < WANT; i++) ids.push((await orch.spawnInstance({ name: `f${i}`, role: ROLE })).instance_id);
    // Warm the code paths and the connection to the simulator with one plain turn on a spare instance.
    const spare = (await orch.spawnInstance({ name: 'warm', role: ROLE })).instance_id;
    await orch.sendToInstance({ instance_id: spare, message: 'warm up' });

    const measure = async (n) => {
      const participant_ids = ids.slice(0, n);
      const ok = (r) => r.value?.success !== false;
      // Parallel: PARALLEL_REPS runs, the median counts (one run is ~1 s, so noise matters); sequential: one run.
      const parallelRuns = [];
      let maxInFlight = 0;
      for (let k = 0; k < PARALLEL_REPS; k++) {
        await sim.reset();
        const run = await timed(() => orch.coordinateInstances({ participant_ids, task_description: 'Review this design.', coordination_type: 'parallel' }));
        if (!ok(run)) throw new Error(`parallel run with ${n} participants did not succeed: ${JSON.stringify(run.value).slice(0, 400)}`);
        maxInFlight = Math.max(maxInFlight, await sim.maxInFlight());
        parallelRuns.push(run.ms);
      }
      const parallelMs = stats(parallelRuns).p50;
      const sequential = await timed(() => orch.coordinateInstances({ participant_ids, task_description: 'Review this design.', coordination_type: 'sequential' }));
      if (!ok(sequential)) throw new Error(`sequential run with ${n} participants did not succeed: ${JSON.stringify(sequential.value).slice(0, 400)}`);
      return {
        participants: n,
        parallel_ms: Math.round(parallelMs),
        parallel_runs_ms: parallelRuns.map(Math.round),
        parallel_max_in_flight_at_simulator: maxInFlight,
        sequential_ms: Math.round(sequential.ms),
        speedup: r3(sequential.ms / parallelMs),
        ideal_parallel_ms: LATENCY,
        ideal_sequential_ms: LATENCY * n,
      };
    };

    const rows = [];
    let fallback = null;
    let primary;
    try {
      primary = await measure(WANT);
    } catch (error) {
      // Only an input bound on the participant count falls back; anything else is a real failure.
      const rejected = (error?.code === 'invalid_input' || /invalid input/i.test(String(error?.message))) && /participant/i.test(String(error?.message));
      if (!rejected) throw error;
      const allowed = Math.min(WANT - 1, Number(DEFAULTS?.maxParticipants) || 50);
      fallback = { wanted: WANT, error: String(error?.message ?? error).slice(0, 600), used: allowed };
      process.stderr.write(`[fanout] ${WANT} participants rejected: ${fallback.error}\n[fanout] falling back to ${allowed} participants\n`);
      primary = await measure(allowed);
    }
    rows.push(primary);
    if (primary.participants !== 50) rows.push(await measure(50));
    // The floor: the same number of calls made straight with @anthropic-ai/sdk, all at once, no orchestrator.
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const sdk = new Anthropic({ apiKey: 'bench', baseURL: sim.url, maxRetries: 0 });
    const direct = () => sdk.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 8192, system: 'You are a software architect.', messages: [{ role: 'user', content: 'Review this design.' }] }).finalMessage();
    const directRuns = [];
    for (let k = 0; k < PARALLEL_REPS; k++) directRuns.push((await timed(() => Promise.all(Array.from({ length: primary.participants }, direct)))).ms);
    const directMs = stats(directRuns).p50;
    const sdkFloor = { calls: primary.participants, parallel_ms: Math.round(directMs), runs_ms: directRuns.map(Math.round), best_speedup_possible: r3(primary.sequential_ms / directMs) };
    return {
      sdk_floor: sdkFloor,
      part: 'fanout',
      simulator: mode === 'child' ? 'forked child process' : 'in this process',
      model_call_latency_ms: LATENCY,
      coordination_concurrency: 100,
      api_max_in_flight: 100,
      participants_wanted: WANT,
      fallback,
      note: `parallel_ms is the median of ${PARALLEL_REPS} parallel runs; then one sequential run on the same instances (sequential prompts carry the earlier replies)`,
      rows,
    };
  } finally {
    await orch?.close();
    await sim.close();
    removeDir(ws);
  }
}

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
