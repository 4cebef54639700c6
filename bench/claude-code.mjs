// Benchmark of the claude-code backend: real Claude Code agents (the pinned CLI) against the bundled
// simulator on 127.0.0.1, so the numbers are the agent's and the backend's own overhead, not a model's.
//   spawn_to_first_token: backend.start() (workspace, home, process) then a turn, until its first text
//   warm_follow_up:       a later turn on the live process (first token, whole turn)
//   parked_resume:        a turn after the agent was parked (process stopped), resumed with --resume
//   direct_sdk_call:      the same simulator answering one plain SDK call: the floor under every turn
// `npm run build && node bench/claude-code.mjs` (BENCH_ROUNDS, default 10). Results go in BENCHMARKS.md.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { ClaudeCodeBackend } from '../dist/backends/claude-code/claude-code-backend.js';
import { startSimulator } from '../dist/simulator/simulator.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const MODEL = 'claude-sonnet-5-5';

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5).toFixed(1), p95: at(0.95).toFixed(1), max: s[s.length - 1].toFixed(1) };
}

/** One turn, timed: ms to the first streamed text and to the end. */
async function timedTurn(session, message) {
  const t = performance.now();
  let first;
  await session.turn(
    { history: [], message },
    { signal: AbortSignal.timeout(120_000), calls: { async hold() { return { maxTokens: 4096, async settle() {}, async release() {} }; } }, onEvent: (e) => { if (e.type === 'text' && first === undefined) first = performance.now() - t; } },
  );
  return { first: first ?? performance.now() - t, total: performance.now() - t };
}

async function until(predicate, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the agent to park');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sim = await startSimulator();
const workspaceDir = mkdtempSync(join(tmpdir(), 'bench-cc-'));
const backend = (idleMs) =>
  new ClaudeCodeBackend({
    apiKey: 'bench',
    baseUrl: sim.url,
    workspaceDir,
    timings: { idleMs, exitGraceMs: 2_000, killGraceMs: 5_000, permissionTimeoutMs: 10_000 },
  });
const warmBackend = backend(600_000);
const parkingBackend = backend(300);
let n = 0;
const spec = () => {
  const instanceId = `inst_${(++n).toString(16).padStart(32, '0')}`;
  const workspace = join(workspaceDir, instanceId);
  mkdirSync(workspace);
  return { instanceId, model: MODEL, systemPrompt: 'You are a senior backend developer.', workspace, options: {} };
};

const startMs = [];
const spawnFirstMs = [];
const spawnTotalMs = [];
const warmFirstMs = [];
const warmTotalMs = [];
const parkedFirstMs = [];
const parkedTotalMs = [];
const directMs = [];
const anthropic = new Anthropic({ apiKey: 'bench', baseURL: sim.url, maxRetries: 0 });

for (let i = 0; i < ROUNDS; i++) {
  // Cold: spawn, then the first turn at once (the process boots while the turn is sent).
  const t = performance.now();
  const session = await warmBackend.start(spec());
  startMs.push(performance.now() - t);
  const first = await timedTurn(session, 'Design a small REST API for tasks.');
  spawnFirstMs.push(performance.now() - t - first.total + first.first);
  spawnTotalMs.push(performance.now() - t);
  // Warm: the same process, next turns.
  for (let k = 0; k < 3; k++) {
    const warm = await timedTurn(session, `Now refine part ${k + 1}.`);
    warmFirstMs.push(warm.first);
    warmTotalMs.push(warm.total);
  }
  await session.terminate();

  // Parked: one turn, wait until the idle timer stopped the process, then resume.
  const parking = await parkingBackend.start(spec());
  await timedTurn(parking, 'Design a small REST API for tasks.');
  await until(() => parking.state === 'parked');
  const resumed = await timedTurn(parking, 'Continue where you left off.');
  parkedFirstMs.push(resumed.first);
  parkedTotalMs.push(resumed.total);
  await parking.terminate();

  const d = performance.now();
  await anthropic.messages.stream({ model: MODEL, max_tokens: 4096, system: 'You are a senior backend developer.', messages: [{ role: 'user', content: 'Now refine part 1.' }] }).finalMessage();
  directMs.push(performance.now() - d);
}

await warmBackend.shutdown();
await parkingBackend.shutdown();
await sim.close();
rmSync(workspaceDir, { recursive: true, force: true });

const direct = stats(directMs);
console.log(JSON.stringify({
  node: process.version,
  claude_code: warmBackend.executable.version,
  rounds: ROUNDS,
  ms: {
    start_session: stats(startMs),
    spawn_to_first_token: stats(spawnFirstMs),
    spawn_to_turn_done: stats(spawnTotalMs),
    warm_follow_up_first_token: stats(warmFirstMs),
    warm_follow_up_turn: stats(warmTotalMs),
    parked_resume_first_token: stats(parkedFirstMs),
    parked_resume_turn: stats(parkedTotalMs),
    direct_sdk_call: direct,
    warm_follow_up_overhead_p50: (Number(stats(warmTotalMs).p50) - Number(direct.p50)).toFixed(1),
  },
}, null, 2));
