// The kernel bench's `scale` part: see ../kernel.mjs for what it measures and how to run it.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROLE, call, connectStdio, lib, r3, removeDir, scaled, serverEnv, stats, tempDir, timed } from './common.mjs';

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

export async function partScale() {
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
