// The cost of one GET /metrics scrape, and whether it grows with the instances stored. A scrape reads the store's
// counters table (one small read, kept by triggers) and the live instances (bounded by MAX_INSTANCES), never the
// ended ones: it should cost the same with 10 or 5,000 instances stored, and grow only with the live ones.
//
//   node scripts/build.mjs && node bench/metrics.mjs
//   BENCH_ROUNDS=50 node bench/metrics.mjs     # fewer scrapes per store (default 200, after 20 warm-ups)
//
// Stores (each a real server over HTTP on 127.0.0.1, in this process, against the bundled simulator):
//   small   11 stored, 10 live
//   big     5,000 stored, 10 live       (the same live work as small: the ratio big/small should be about 1)
//   wide    5,000 stored, 500 live      (per-instance gauges for 500 live instances: what grows, and by how much)
// Seeding: one live instance (with a turn, so it has tokens and cost) and one terminated instance through the
// library, then their rows cloned with better-sqlite3 in one transaction (the counters' triggers count them).
// Prints one JSON object, then a one-line summary. Temp dirs are removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(join(ROOT, 'dist', 'index.js'));
const { default: Database } = await import('better-sqlite3');

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 200));
const WARMUP = 20;
const dirs = [];

const r3 = (x) => Math.round(x * 1000) / 1000;
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { n: s.length, p50: r3(at(0.5)), p95: r3(at(0.95)), p99: r3(at(0.99)), max: r3(s[s.length - 1]), mean: r3(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** A workspace whose store holds `total` instances of which `live` are live. */
async function seed(total, live, simUrl) {
  const ws = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
  dirs.push(ws);
  const orch = lib.createOrchestrator({ env: {}, config: { workspaceDir: ws, apiKey: 'bench', baseUrl: simUrl, maxInstances: 100_000 } });
  let liveId;
  let deadId;
  try {
    liveId = (await orch.spawnInstance({ name: 'seed-live' })).instance_id;
    await orch.sendToInstance({ instance_id: liveId, message: 'Hello.' });
    deadId = (await orch.spawnInstance({ name: 'seed-dead' })).instance_id;
    await orch.sendToInstance({ instance_id: deadId, message: 'Hello.' });
    await orch.terminateInstance({ instance_id: deadId });
  } finally {
    await orch.close();
  }
  const db = new Database(join(ws, 'orchestrator.db'));
  try {
    const cols = db.prepare('PRAGMA table_info(instances)').all().map((c) => c.name);
    const replaced = ['id', 'name', 'workspace', 'created_at'];
    const insert = db.prepare(`INSERT INTO instances (${cols.join(', ')}) SELECT ${cols.map((c) => (replaced.includes(c) ? `@${c}` : c)).join(', ')} FROM instances WHERE id = @src`);
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    db.transaction(() => {
      for (let i = 0; i < total - 2; i++) {
        const src = i < live - 1 ? liveId : deadId;
        const id = `inst_${i.toString(16).padStart(32, '0')}`;
        insert.run({ src, id, name: `clone-${i}`, workspace: join(ws, id), created_at: new Date(base + i * 1000).toISOString() });
      }
    })();
    const counted = db.prepare('SELECT COUNT(*) AS n, SUM(live) AS live FROM instances').get();
    if (counted.n !== total || counted.live !== live) throw new Error(`seeded ${counted.n} (${counted.live} live), wanted ${total} (${live} live)`);
  } finally {
    db.close();
  }
  return ws;
}

async function scrape(url) {
  const t = performance.now();
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text}`);
  return { ms: performance.now() - t, bytes: Buffer.byteLength(text), text };
}

const sim = await lib.startSimulator();
const stores = [
  { key: 'small', total: 11, live: 10 },
  { key: 'big', total: 5_000, live: 10 },
  { key: 'wide', total: 5_000, live: 500 },
];
try {
  for (const s of stores) {
    const t = performance.now();
    s.ws = await seed(s.total, s.live, sim.url);
    s.seedMs = Math.round(performance.now() - t);
    const config = lib.loadConfig({}, {}, { workspaceDir: s.ws, apiKey: 'bench', baseUrl: sim.url, host: '127.0.0.1', port: 0, maxInstances: 100_000, logLevel: 'silent' });
    s.server = await lib.startServer({ config, logger: lib.createLogger('silent') });
    const first = await scrape(s.server.url);
    const created = /^orchestrator_instances_created_total (\d+)$/m.exec(first.text)?.[1];
    const active = /^orchestrator_instances_active (\d+)$/m.exec(first.text)?.[1];
    if (Number(created) !== s.total || Number(active) !== s.live) throw new Error(`[${s.key}] /metrics says ${created} created, ${active} active`);
    s.ms = [];
    s.bytes = first.bytes;
  }
  // Interleaved, so drift on the machine hits every store alike.
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    for (const s of i % 2 === 0 ? stores : [...stores].reverse()) {
      const { ms } = await scrape(s.server.url);
      if (i >= WARMUP) s.ms.push(ms);
    }
  }
  const out = { bench: 'metrics', rounds: ROUNDS, warmup: WARMUP, stores: {} };
  for (const s of stores) out.stores[s.key] = { stored: s.total, live: s.live, seed_ms: s.seedMs, scrape_bytes: s.bytes, scrape_ms: stats(s.ms) };
  const p50 = (k) => out.stores[k].scrape_ms.p50;
  out.p50_ratio_big_over_small = r3(p50('big') / p50('small'));
  out.p50_ratio_wide_over_big = r3(p50('wide') / p50('big'));
  console.log(JSON.stringify(out, null, 2));
  console.log(
    `GET /metrics p50: ${p50('small')} ms with 11 stored / 10 live, ${p50('big')} ms with 5,000 stored / 10 live (x${out.p50_ratio_big_over_small}), ` +
      `${p50('wide')} ms with 5,000 stored / 500 live (${out.stores.wide.scrape_bytes} bytes)`,
  );
} finally {
  for (const s of stores) await s.server?.close();
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
