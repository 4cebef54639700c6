// What watching costs (issue 11): the size of tools/list (every client reads it into its model's context),
// the dashboard's assets, a server's start-up with and without OpenTelemetry traces, and what a turn costs
// with the dashboard's event stream open and traces exported, against none of it.
//
//   node scripts/build.mjs && node bench/observability.mjs
//   BENCH_ROUNDS=50 node bench/observability.mjs      # turns per configuration (default 200, after 20 warm-ups)
//
// Start-up: the median of 7 runs of the built bin to its "listening" line, traces off, then on (exporting to a
// local OTLP/HTTP receiver). Turns: one server per configuration, on the bundled simulator (zero latency), each
// turn a POST /tools/execute send_to_instance over HTTP. Prints one JSON object, then a one-line summary.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 200));
const WARMUP = 20;
const dirs = [];
const temp = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const r1 = (x) => Math.round(x * 10) / 10;

/** A collector that accepts every export and counts the bytes. */
async function receiver() {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, bytes: () => bytes, close: () => new Promise((r) => server.close(r)) };
}

function startBin(env) {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1'], {
    env: { PATH: process.env.PATH, HOME: temp('obs-home-'), WORKSPACE_DIR: temp('obs-ws-'), LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = new Promise((resolveUrl, reject) => {
    child.stderr.on('data', (c) => {
      err += c;
      const line = err.split('\n').find((l) => l.includes('"claude-orchestrator listening"'));
      if (line) resolveUrl(JSON.parse(line).url);
    });
    child.once('exit', (code) => reject(new Error(`bin exited ${code}: ${err}`)));
  });
  return { child, url, stop: () => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r))) };
}

async function startup(env) {
  const runs = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const bin = startBin(env);
    await bin.url;
    runs.push(performance.now() - t0);
    await bin.stop();
  }
  return r1(median(runs));
}

async function toolsListBytes() {
  const { Client, InMemoryTransport } = await import('@modelcontextprotocol/client');
  const { createMcpServer } = await import(join(ROOT, 'dist', 'transports', 'mcp-server.js'));
  const server = createMcpServer(() => new Promise(() => {}));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(b);
  const bytes = Buffer.byteLength(JSON.stringify(await client.listTools()));
  await client.close();
  return bytes;
}

function assetBytes() {
  const dir = join(ROOT, 'src', 'dashboard', 'assets');
  const all = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
  return { bytes: all.length, gzip: gzipSync(all, { level: 9 }).length };
}

async function turns(label, sim, env, withStream) {
  const bin = startBin({ ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, MAX_TOKENS_PER_INSTANCE: '100000000', ...env });
  const url = await bin.url;
  const execute = async (tool, args) => (await (await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) })).json()).structuredContent;
  const stream = withStream ? new AbortController() : undefined;
  let events = 0;
  if (stream) {
    const res = await fetch(`${url}/events`, { signal: stream.signal });
    void (async () => {
      try {
        for await (const chunk of res.body) events += (Buffer.from(chunk).toString('utf8').match(/^event:/gm) ?? []).length;
      } catch {
        // aborted at the end
      }
    })();
  }
  const { instance_id } = await execute('spawn_claude', { name: label });
  const samples = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const t0 = performance.now();
    const reply = await execute('send_to_instance', { instance_id, message: `turn ${i}` });
    if (typeof reply.reply !== 'string') throw new Error(`turn failed: ${JSON.stringify(reply)}`);
    if (i >= WARMUP) samples.push(performance.now() - t0);
  }
  stream?.abort();
  await bin.stop();
  return { p50_ms: r1(median(samples)), p95_ms: r1(pct(samples, 0.95)), ...(withStream ? { events_streamed: events } : {}) };
}

const { startSimulator } = await import(join(ROOT, 'dist', 'index.js'));
const sim = await startSimulator({ port: 0 });
const collector = await receiver();
try {
  const result = {
    tools_list_bytes: await toolsListBytes(),
    dashboard_assets: assetBytes(),
    startup_ms: { traces_off: await startup({}), traces_on: await startup({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) },
    turn: {
      plain: await turns('plain', sim, {}, false),
      events_stream_open: await turns('stream', sim, {}, true),
      traces_exported: await turns('traced', sim, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' }, false),
    },
    otlp_bytes_received: collector.bytes(),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `tools/list ${result.tools_list_bytes} B; dashboard ${result.dashboard_assets.bytes} B (${result.dashboard_assets.gzip} B gzip); ` +
      `start-up ${result.startup_ms.traces_off} ms (traces on: ${result.startup_ms.traces_on} ms); turn p50 ${result.turn.plain.p50_ms} ms, ` +
      `with /events open ${result.turn.events_stream_open.p50_ms} ms, with traces ${result.turn.traces_exported.p50_ms} ms`,
  );
} finally {
  await collector.close();
  await sim.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
