// Benchmarks for the foundation: the size of tools/list, management-call latency over MCP (HTTP), and the
// orchestrator's own overhead per turn over a direct SDK call. Everything runs on 127.0.0.1 against the
// bundled simulator, bounded in count. `npm run bench`; results go in BENCHMARKS.md.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig, startServer, startSimulator } from '../dist/index.js';
import { createLogger } from '../dist/observability/logger.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5).toFixed(2), p95: at(0.95).toFixed(2), max: s[s.length - 1].toFixed(2) };
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const sim = await startSimulator();
const config = loadConfig({}, {}, { port: 0, host: '127.0.0.1', apiKey: 'bench', baseUrl: sim.url, workspaceDir: mkdtempSync(join(tmpdir(), 'bench-ws-')), maxInstances: 1000, rateLimitPerMinute: 0 });
const server = await startServer({ config, logger: createLogger('silent') });
const client = new Client({ name: 'bench', version: '1' });
await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));

const { tools } = await client.listTools();
const toolsListBytes = Buffer.byteLength(JSON.stringify({ tools }));

const spawnMs = [];
const statusMs = [];
const listMs = [];
const terminateMs = [];
const sendMs = [];
const directMs = [];
const anthropic = new Anthropic({ apiKey: 'bench', baseURL: sim.url, maxRetries: 0 });
for (let i = 0; i < ROUNDS; i++) {
  let id;
  spawnMs.push(await timed(async () => {
    const r = await client.callTool({ name: 'spawn_claude', arguments: { name: `b${i}`, role: 'backend_developer' } });
    id = r.structuredContent.instance_id;
  }));
  statusMs.push(await timed(() => client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } })));
  listMs.push(await timed(() => client.callTool({ name: 'list_instances', arguments: {} })));
  sendMs.push(await timed(() => client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'Design a small REST API for tasks.' } })));
  directMs.push(await timed(() => anthropic.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 8192, system: 'You are a senior backend developer.', messages: [{ role: 'user', content: 'Design a small REST API for tasks.' }] }).finalMessage()));
  terminateMs.push(await timed(() => client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } })));
}
await client.close();
await server.close();
await sim.close();

const overhead = stats(sendMs.map((ms, i) => ms - directMs[i]));
console.log(JSON.stringify({
  node: process.version,
  rounds: ROUNDS,
  tools_list_bytes: toolsListBytes,
  ms: {
    spawn_claude: stats(spawnMs),
    get_instance_status: stats(statusMs),
    list_instances: stats(listMs),
    terminate_instance: stats(terminateMs),
    send_to_instance_via_mcp: stats(sendMs),
    same_turn_direct_sdk: stats(directMs),
    orchestrator_overhead_per_turn: overhead,
  },
}, null, 2));
