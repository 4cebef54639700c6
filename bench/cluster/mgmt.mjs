// The cluster bench's `mgmt` part: management-op latency and per-turn overhead, SQLite against PostgreSQL.
// One node process per store, the same MCP-over-HTTP calls in the same order, against the simulator with no
// latency; the overhead of a turn is its send_to_instance time minus the same request made directly with the SDK.
import { join } from 'node:path';
import { MESSAGE, MODEL, ROLE } from '../kernel/common.mjs';
import { assertPostgresStore, freePort, nodeEnv, r3, removeDir, startNode, startSimulatorProcess, stats, tempDir, timed } from './common.mjs';

const DIRECT_SYSTEM = 'You are a senior backend developer.';

export async function partMgmt(pg) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 200);
  const warmup = Math.max(2, Math.round(rounds / 10));
  const sim = await startSimulatorProcess({ latencyMs: 0 });
  try {
    const stores = {};
    for (const store of ['sqlite', 'postgres']) {
      const workspaceDir = tempDir(`cluster-mgmt-${store}-`);
      const db = store === 'postgres' ? await pg.createDatabase() : join(workspaceDir, 'orchestrator.db');
      const node = await startNode(nodeEnv({ db, workspaceDir, port: await freePort(), simUrl: sim.url }));
      try {
        if (store === 'postgres') await assertPostgresStore(db);
        stores[store] = await measure(node.url, sim.url, rounds, warmup);
      } catch (error) {
        process.stderr.write(`[mgmt ${store}] node stderr tail:\n${node.stderr()}\n`);
        throw error;
      } finally {
        await node.stop();
        removeDir(workspaceDir);
      }
    }
    return {
      part: 'mgmt',
      transport: 'mcp-streamable-http, one node process per store',
      stores: { sqlite: 'file in WORKSPACE_DIR (WAL, synchronous=NORMAL)', postgres: 'PostgreSQL 15 on 127.0.0.1 (fsync and synchronous_commit on, its defaults)' },
      simulator_latency_ms: 0,
      rounds,
      warmup_rounds: warmup,
      ms: stores,
    };
  } finally {
    await sim.close();
  }
}

async function measure(url, simUrl, rounds, warmup) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const client = new Client({ name: 'cluster-bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  const anthropic = new Anthropic({ apiKey: 'bench', baseURL: simUrl, maxRetries: 0 });
  const call = async (name, args) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${(result.content ?? []).map((c) => c.text ?? '').join(' ').slice(0, 500)}`);
    return result.structuredContent ?? {};
  };
  const ms = { spawn_claude: [], get_instance_status: [], list_instances: [], send_to_instance: [], terminate_instance: [], direct_sdk: [] };
  try {
    for (let i = 0; i < warmup + rounds; i++) {
      const spawned = await timed(() => call('spawn_claude', { name: `m${i}`, role: ROLE }));
      const id = spawned.value.instance_id;
      const status = await timed(() => call('get_instance_status', { instance_id: id }));
      const list = await timed(() => call('list_instances', {}));
      const send = await timed(() => call('send_to_instance', { instance_id: id, message: MESSAGE }));
      if (typeof send.value.reply !== 'string') throw new Error(`send_to_instance gave no reply: ${JSON.stringify(send.value).slice(0, 300)}`);
      const direct = await timed(() =>
        anthropic.messages.stream({ model: MODEL, max_tokens: 8192, system: DIRECT_SYSTEM, messages: [{ role: 'user', content: MESSAGE }] }).finalMessage(),
      );
      const term = await timed(() => call('terminate_instance', { instance_id: id }));
      if (i < warmup) continue;
      ms.spawn_claude.push(spawned.ms);
      ms.get_instance_status.push(status.ms);
      ms.list_instances.push(list.ms);
      ms.send_to_instance.push(send.ms);
      ms.direct_sdk.push(direct.ms);
      ms.terminate_instance.push(term.ms);
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  const overhead = ms.send_to_instance.map((s, i) => s - ms.direct_sdk[i]);
  return {
    spawn_claude: stats(ms.spawn_claude),
    get_instance_status: stats(ms.get_instance_status),
    list_instances: stats(ms.list_instances),
    terminate_instance: stats(ms.terminate_instance),
    send_to_instance: stats(ms.send_to_instance),
    same_turn_direct_sdk: stats(ms.direct_sdk),
    overhead_per_turn: stats(overhead),
    overhead_per_turn_mean_ms: r3(overhead.reduce((a, b) => a + b, 0) / Math.max(1, overhead.length)),
  };
}
