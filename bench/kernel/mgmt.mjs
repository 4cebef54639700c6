// The kernel bench's `mgmt` part: see ../kernel.mjs for what it measures and how to run it.
import { DIRECT_SYSTEM, MESSAGE, MODEL, ROLE, call, connectStdio, lib, r3, removeDir, scaled, serverEnv, stats, tempDir, timed } from './common.mjs';

export async function partMgmt() {
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
