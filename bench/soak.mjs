// Soak (issue 13): the built server at its caps for SOAK_MINUTES against a faulty Messages API, watching for leaks.
//
//   npm run soak                         # = npm run build && node bench/soak.mjs; 30 minutes
//   SOAK_MINUTES=2 node bench/soak.mjs   # a short run
//
// Processes, all on 127.0.0.1: the server as deployed (`node dist/cli.js serve`, its own WORKSPACE_DIR, SQLite) and
// the bundled simulator in its own process (`node dist/cli.js simulator --fault-rate R`: a random 429, 529, 500 or
// connection reset on that share of model calls, default 0.05, and SOAK_LATENCY_MS per answer, default 50).
//
// Load, over REST: MAX_INSTANCES live instances (default 10) kept busy. SOAK_COORD_PARTICIPANTS of them (default 4)
// plus a coordinator run coordinations back to back (parallel, sequential, hierarchical, consensus in turn) with
// COORDINATION_CONCURRENCY set to the participant count, so every run is at the cap; the others each send turn after
// turn. A share of sends and coordinations (SOAK_HANDLE_SHARE, default 0.3) go with wait_seconds=0 for a task handle,
// and about half of those are cancelled at a random moment (cancel_task). Each instance is terminated and replaced
// after SOAK_TURNS_PER_INSTANCE turns (default 12), so conversations stay short and spawn/terminate churn too; a
// spawn past the cap is tried now and then and must be refused.
//
// Every SOAK_SAMPLE_SECONDS (default 10): the server's RSS (VmRSS) and open handles (/proc/<pid>/fd), and the tasks
// working (GET /tasks?state=working). Checks, after the load stops: RSS and open handles flat (the median of the
// last fifth of the samples within 10 % of the median of the fifth right after a warm-up of the first fifth); no
// task still `working` SOAK_GRACE_SECONDS (default 60) after the load stops; and, read from the SQLite file once
// the server has stopped, spend equal to the sum of settled calls: the global totals' cost = the sum over
// instances = the sum over their messages. Prints a JSON summary and one line; exits 1 when a check fails.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, nodeEnv, sleep, startNode, waitFor } from './cluster/common.mjs';
import { CLI, cleanupSync, removeDir, tempDir, trackPid, childPids } from './kernel/common.mjs';
import { drainSimulatorLog, growth, sampleProc, spendCheck, workingTasks } from './soak/measure.mjs';

const num = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} takes a number of 0 or more, got ${JSON.stringify(raw)}.`);
  return value;
};

const MINUTES = num('SOAK_MINUTES', 30);
const MAX_INSTANCES = num('MAX_INSTANCES', 10);
const PARTICIPANTS = num('SOAK_COORD_PARTICIPANTS', 4);
const FAULT_RATE = num('SOAK_FAULT_RATE', 0.05);
const LATENCY_MS = num('SOAK_LATENCY_MS', 50);
const SAMPLE_SECONDS = num('SOAK_SAMPLE_SECONDS', 10);
const GRACE_SECONDS = num('SOAK_GRACE_SECONDS', 60);
const HANDLE_SHARE = num('SOAK_HANDLE_SHARE', 0.3);
const TURNS_PER_INSTANCE = num('SOAK_TURNS_PER_INSTANCE', 12);
const GROWTH_LIMIT = 0.1;
const COORD_TYPES = ['parallel', 'sequential', 'hierarchical', 'consensus'];

const counts = { sends: 0, sends_failed: 0, coordinations: 0, coordinations_failed: 0, handles: 0, cancels: 0, spawns: 0, terminates: 0, over_cap_refused: 0, over_cap_accepted: 0 };
const errors = new Map();
const noteError = (what, error) => {
  const key = `${what}: ${String(error?.message ?? error).replace(/inst_[A-Za-z0-9_-]+|task_[A-Za-z0-9_-]+|\d+/g, '#').slice(0, 160)}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
};

/** A tool call over REST; resolves with { ok, body } (a tool error is a result, not a throw). */
async function tool(url, name, args) {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: name, arguments: args }) });
  const body = await res.json().catch(() => ({}));
  const text = (body.content ?? []).map((c) => c.text ?? '').join(' ');
  if (res.status >= 500) throw new Error(`${name} answered HTTP ${res.status}: ${text || JSON.stringify(body)}`.slice(0, 400));
  return { ok: res.ok && !body.isError, body: body.structuredContent ?? {}, text: text || JSON.stringify(body).slice(0, 300), status: res.status };
}

/** A send or coordination: either waited for, or through a task handle, maybe cancelled. Resolves true when it succeeded. */
async function runOp(url, name, args) {
  const viaHandle = Math.random() < HANDLE_SHARE;
  const r = await tool(url, name, viaHandle ? { ...args, wait_seconds: 0 } : args);
  if (!r.ok) throw new Error(r.text);
  if (!viaHandle || !r.body.task_id) return true;
  counts.handles++;
  const taskId = r.body.task_id;
  if (Math.random() < 0.5) {
    await sleep(Math.random() * 2000);
    const c = await tool(url, 'cancel_task', { task_id: taskId });
    if (c.ok) counts.cancels++;
    else noteError('cancel_task', c.text);
  }
  for (;;) {
    const g = await tool(url, 'get_task', { task_id: taskId, wait_seconds: 30 });
    if (!g.ok) throw new Error(g.text);
    if (g.body.state !== 'working') return g.body.state === 'completed';
  }
}

async function spawnOne(url, role, tag) {
  for (let attempt = 0; ; attempt++) {
    const r = await tool(url, 'spawn_claude', { name: `soak ${tag}`, role });
    if (r.ok) {
      counts.spawns++;
      return r.body.instance_id;
    }
    noteError('spawn_claude', r.text);
    // The slot's old instance may still count against the cap for a moment.
    if (attempt > 50) throw new Error(`spawn_claude kept failing: ${r.text}`);
    await sleep(200);
  }
}

async function terminate(url, id) {
  const r = await tool(url, 'terminate_instance', { instance_id: id });
  if (r.ok) counts.terminates++;
  else noteError('terminate_instance', r.text);
}

/** One solo slot: an instance that sends turn after turn, replaced every TURNS_PER_INSTANCE turns. */
async function soloSlot(url, slot, running) {
  let id = await spawnOne(url, 'backend_developer', `solo ${slot}`);
  let turns = 0;
  while (running()) {
    counts.sends++;
    try {
      await runOp(url, 'send_to_instance', { instance_id: id, message: `Step ${turns + 1}: review part ${slot} of the change.` });
    } catch (error) {
      counts.sends_failed++;
      noteError('send_to_instance', error);
    }
    if (++turns >= TURNS_PER_INSTANCE) {
      await terminate(url, id);
      id = await spawnOne(url, 'backend_developer', `solo ${slot}`);
      turns = 0;
    }
  }
}

/** The coordination group: a coordinator and PARTICIPANTS participants, in runs back to back, replaced every few runs. */
async function coordinationSlot(url, running) {
  const spawnGroup = async () => Promise.all([spawnOne(url, 'architect', 'coordinator'), ...Array.from({ length: PARTICIPANTS }, (_, i) => spawnOne(url, 'backend_developer', `participant ${i}`))]);
  let [coordinator, ...participants] = await spawnGroup();
  let runs = 0;
  while (running()) {
    const type = COORD_TYPES[runs % COORD_TYPES.length];
    counts.coordinations++;
    try {
      const ok = await runOp(url, 'coordinate_instances', {
        coordinator_id: coordinator,
        participant_ids: participants,
        coordination_type: type,
        task_description: `Design a small REST API for tasks (run ${runs + 1}).`,
        ...(type === 'consensus' ? { options: { max_rounds: 2 } } : {}),
      });
      if (!ok) counts.coordinations_failed++;
    } catch (error) {
      counts.coordinations_failed++;
      noteError(`coordinate_instances ${type}`, error);
    }
    if (++runs % Math.max(1, Math.floor(TURNS_PER_INSTANCE / 4)) === 0) {
      await Promise.all([coordinator, ...participants].map((id) => terminate(url, id)));
      [coordinator, ...participants] = await spawnGroup();
    }
  }
}

/** Now and then, one spawn past MAX_INSTANCES: it must be refused (and is ended at once if not). */
async function overCapProbe(url, running) {
  while (running()) {
    await sleep(30_000);
    const r = await tool(url, 'spawn_claude', { name: 'soak over cap' });
    if (r.ok) {
      counts.over_cap_accepted++;
      await terminate(url, r.body.instance_id);
    } else counts.over_cap_refused++;
  }
}

async function startSimulatorProcess(port) {
  const child = spawn(process.execPath, [CLI, 'simulator', '--port', String(port), '--latency-ms', String(LATENCY_MS), '--fault-rate', String(FAULT_RATE)], { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] });
  trackPid(child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/_simulator/requests`)).ok, 30_000, `the simulator on ${url}\n${stderr}`);
  return { url, child };
}

async function main() {
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  const workspaceDir = tempDir('soak-');
  const dbPath = join(workspaceDir, 'orchestrator.db');
  const sim = await startSimulatorProcess(await freePort());
  const env = nodeEnv({ db: dbPath, workspaceDir, port: await freePort(), simUrl: sim.url, extra: { MAX_INSTANCES: String(MAX_INSTANCES), COORDINATION_CONCURRENCY: String(PARTICIPANTS), HEALTH_CHECK_INTERVAL_SECONDS: '30' } });
  const server = await startNode(env);
  const url = server.url;
  const started = Date.now();
  const endsAt = started + MINUTES * 60_000;
  const running = () => Date.now() < endsAt;
  const model = { model_calls: 0, injected: {} };
  const samples = [];
  const sample = async () => {
    samples.push({ t_s: Math.round((Date.now() - started) / 1000), ...sampleProc(server.pid), tasks_working: await workingTasks(url) });
    await drainSimulatorLog(sim.url, model).catch((e) => noteError('simulator log', e));
  };
  const sampler = (async () => {
    while (running()) {
      await sleep(Math.min(SAMPLE_SECONDS * 1000, Math.max(0, endsAt - Date.now())));
      if (running()) await sample().catch((e) => noteError('sample', e));
    }
  })();
  const solos = Math.max(0, MAX_INSTANCES - PARTICIPANTS - 1);
  const load = [coordinationSlot(url, running), ...Array.from({ length: solos }, (_, i) => soloSlot(url, i, running)), overCapProbe(url, running)];
  const outcomes = await Promise.allSettled(load);
  await sampler;
  for (const o of outcomes) if (o.status === 'rejected') noteError('load worker', o.reason);
  const loadStopped = Date.now();
  let stuck = await workingTasks(url);
  while (stuck > 0 && Date.now() - loadStopped < GRACE_SECONDS * 1000) {
    await sleep(1000);
    stuck = await workingTasks(url);
  }
  await drainSimulatorLog(sim.url, model).catch(() => {});
  const finalProc = sampleProc(server.pid);
  await server.stop();
  sim.child.kill('SIGTERM');
  childPids.delete(sim.child.pid);
  const spend = spendCheck(dbPath);
  const rss = growth(samples, 'rss_mib');
  const handles = growth(samples, 'open_handles');
  const checks = {
    rss_flat: rss.growth < GROWTH_LIMIT,
    open_handles_flat: handles.growth < GROWTH_LIMIT,
    no_stuck_task: stuck === 0,
    spend_equals_settled_calls: spend.equal,
    no_holds_left: spend.holds_left === 0,
    over_cap_refused: counts.over_cap_accepted === 0,
    enough_samples: samples.length >= 5,
  };
  const summary = {
    minutes: MINUTES,
    max_instances: MAX_INSTANCES,
    coordination_concurrency: PARTICIPANTS,
    fault_rate: FAULT_RATE,
    latency_ms: LATENCY_MS,
    counts,
    model,
    rss_mib: rss,
    open_handles: handles,
    final: finalProc,
    max_tasks_working: Math.max(0, ...samples.map((s) => s.tasks_working)),
    tasks_working_after_grace: stuck,
    spend,
    errors: Object.fromEntries([...errors].sort((a, b) => b[1] - a[1]).slice(0, 20)),
    checks,
    samples: `t_s rss_mib open_handles tasks_working: ${samples.map((s) => `${s.t_s} ${s.rss_mib} ${s.open_handles} ${s.tasks_working}`).join('; ')}`,
    node: process.version,
    wall_s: Math.round((Date.now() - started) / 1000),
  };
  removeDir(workspaceDir);
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
  console.log(JSON.stringify(summary, null, 2));
  console.log(
    `soak ${failed.length === 0 ? 'PASS' : `FAIL (${failed.join(', ')})`}: ${MINUTES} min, ${counts.sends} sends + ${counts.coordinations} coordinations, ` +
      `${model.model_calls} model calls, ${Object.values(model.injected).reduce((a, b) => a + b, 0)} faults injected, ${counts.cancels} cancels; ` +
      `RSS ${rss.after_warmup} -> ${rss.last_fifth} MiB (${(rss.growth * 100).toFixed(1)} %), handles ${handles.after_warmup} -> ${handles.last_fifth} (${(handles.growth * 100).toFixed(1)} %), ` +
      `${stuck} stuck tasks, spend ${spend.equal ? 'equal' : 'UNEQUAL'} (${spend.totals_cost_nanos} nanos)`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
