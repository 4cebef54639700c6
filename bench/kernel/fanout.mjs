// The kernel bench's `fanout` part: see ../kernel.mjs for what it measures and how to run it.
import { fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { ROLE, SELF, childPids, lib, r3, removeDir, stats, tempDir, timed, trackPid } from './common.mjs';

export async function simChild(latencyMs) {
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

export async function partFanout() {
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
