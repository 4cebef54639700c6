// Resilience benchmarks (issue 6): a fan-out of 50 turns against a rate-limited API, with and without the
// adaptive concurrency limiter; and what prompt caching does to the cost of a conversation. Loopback only,
// against the bundled simulator, bounded in count. `npm run build && node bench/resilience.mjs`; results
// go in BENCHMARKS.md.
import { ApiBackend, BUILTIN_PRICE_TABLE, startSimulator } from '../dist/index.js';
import { cacheSavingsNanos } from '../dist/pricing/cache-savings.js';
import { costNanos, nanosToUsd } from '../dist/pricing/cost.js';

const FAN_OUT = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// An API that allows 40 requests per second in bursts of 5, and takes 50 ms per model call.
const RATE_LIMIT = { requestsPerSecond: 40, burst: 5 };
const LATENCY_MS = 50;
const MODEL = 'claude-sonnet-5-5';

/** Every model call gets a hold of `maxTokens` (the backend alone is measured here; the orchestrator's holds are kernel.mjs's). */
const openBudget = (maxTokens) => ({ async hold() { return { maxTokens, async settle() {}, async release() {} }; } });

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One fan-out: every turn at once through one backend; counts what the simulator refused. */
async function fanOut(adaptiveConcurrency) {
  const sim = await startSimulator({ rateLimit: RATE_LIMIT, latencyMs: LATENCY_MS });
  const backend = new ApiBackend({ apiKey: 'bench', baseUrl: sim.url, adaptiveConcurrency });
  const started = performance.now();
  const turns = await Promise.allSettled(
    Array.from({ length: FAN_OUT }, async (_, i) => {
      const session = await backend.start({ instanceId: `inst_${i}`, model: MODEL, systemPrompt: 'You are a code reviewer.', workspace: '/tmp', options: {} });
      return session.turn({ history: [], message: `Review module ${i}.` }, { signal: new AbortController().signal, calls: openBudget(200) });
    }),
  );
  const wallMs = performance.now() - started;
  const refused = sim.requests.filter((r) => r.fault?.source === 'rate_limit').length;
  await sim.close();
  return {
    failed_turns: turns.filter((t) => t.status === 'rejected').length,
    http_429: refused,
    requests: refused + FAN_OUT,
    wall_ms: Math.round(wallMs),
  };
}

async function limiterRows() {
  const rows = {};
  for (const [name, adaptive] of [['with_limiter', true], ['without_limiter', false]]) {
    const runs = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await fanOut(adaptive));
    rows[name] = {
      failed_turns: runs.map((r) => r.failed_turns),
      http_429: runs.map((r) => r.http_429),
      median_http_429: median(runs.map((r) => r.http_429)),
      median_wall_ms: median(runs.map((r) => r.wall_ms)),
    };
  }
  return rows;
}

/** Five turns of one conversation with a ~3,000-token system prompt, caching on and off. */
async function cachingRows() {
  const system = `You review a large codebase. ${'Follow the house style and explain every finding. '.repeat(240)}`;
  const result = {};
  for (const enabled of [true, false]) {
    const sim = await startSimulator();
    const backend = new ApiBackend({ apiKey: 'bench', baseUrl: sim.url, promptCaching: { enabled, ttl: '5m' } });
    const session = await backend.start({ instanceId: 'inst_cache', model: MODEL, systemPrompt: system, workspace: '/tmp', options: {} });
    const history = [];
    let cost = 0;
    let saved = 0;
    const perTurn = [];
    for (let turn = 1; turn <= 5; turn++) {
      const message = `Review part ${turn} of the change.`;
      const r = await session.turn({ history: [...history], message }, { signal: new AbortController().signal, calls: openBudget(300) });
      history.push({ role: 'user', content: message }, { role: 'assistant', content: r.text });
      cost += costNanos(BUILTIN_PRICE_TABLE, MODEL, r.usage);
      saved += cacheSavingsNanos(BUILTIN_PRICE_TABLE, MODEL, r.usage);
      perTurn.push({ input: r.usage.inputTokens, cache_write: r.usage.cacheCreationInputTokens, cache_read: r.usage.cacheReadInputTokens, output: r.usage.outputTokens });
    }
    await sim.close();
    result[enabled ? 'caching_on' : 'caching_off'] = { cost_usd: nanosToUsd(cost), measured_savings_usd: nanosToUsd(saved), turns: perTurn };
  }
  return result;
}

console.log(
  JSON.stringify(
    {
      node: process.version,
      fan_out: FAN_OUT,
      rounds: ROUNDS,
      rate_limit: RATE_LIMIT,
      model_call_latency_ms: LATENCY_MS,
      limiter: await limiterRows(),
      prompt_caching: await cachingRows(),
    },
    null,
    2,
  ),
);
