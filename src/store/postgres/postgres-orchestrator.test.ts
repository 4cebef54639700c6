import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { createOrchestrator } from '../../library.js';
import type { Orchestrator } from '../../orchestrator/orchestrator.js';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { bareEnv, startBin } from '../../test-support/bin.js';
import { usePostgres } from '../../test-support/postgres.js';

/**
 * Orchestrators on PostgreSQL, end to end against the simulator: the store chosen by ORCHESTRATOR_DB's URL, two
 * nodes (two orchestrators, each its own pool and workspace) on one database.
 */
const postgres = usePostgres();
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/**
 * A node, once started. Nodes start one after the other: two pg-boss queues set up at the same moment on one
 * database can deadlock (40P01) in pg-boss's own start; the store itself migrates once however many open together
 * (postgres-store.test.ts).
 */
async function node(overrides: Record<string, unknown> = {}): Promise<Orchestrator> {
  const orchestrator = createOrchestrator({
    env: {},
    config: { dbPath: postgres.url(), workspaceDir: mkdtempSync(join(tmpdir(), 'pg-node-')), apiKey: 'sim-key', baseUrl: sim.url, ...overrides },
  });
  await orchestrator.ready();
  return orchestrator;
}

describe('an orchestrator on PostgreSQL', () => {
  it('a node started while its database is missing works once the database is there (start-up is tried again)', async () => {
    const url = new URL(postgres.url());
    const own = url.pathname.slice(1);
    url.pathname = `/${own}_later`;
    const orchestrator = createOrchestrator({
      env: {},
      config: { dbPath: url.href, workspaceDir: mkdtempSync(join(tmpdir(), 'pg-node-')), apiKey: 'sim-key', baseUrl: sim.url },
    });
    await expect(orchestrator.ready()).rejects.toMatchObject({ code: 'backend_unavailable' });
    await expect(orchestrator.spawnInstance({ name: 'too early' })).rejects.toMatchObject({ code: 'backend_unavailable' });
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${own}_later"`);
    await admin.end();
    const { instance_id } = await orchestrator.spawnInstance({ name: 'in time' });
    expect(await orchestrator.sendToInstance({ instance_id, message: 'hello' })).toMatchObject({ reply: expect.any(String) });
    await orchestrator.close();
  });

  it('spawns on one node, converses through another with the history intact, lists on both, terminates', async () => {
    const [a, b] = [await node(), await node()];
    const spawned = await a.spawnInstance({ name: 'planner' });
    const first = await b.sendToInstance({ instance_id: spawned.instance_id, message: 'Plan a small web page.' });
    expect(first.reply.length).toBeGreaterThan(0);
    const second = await a.sendToInstance({ instance_id: spawned.instance_id, message: 'Now list its sections.' });
    expect(second.instance_usage.total_tokens).toBeGreaterThan(first.instance_usage.total_tokens);
    const output = await b.getInstanceOutput({ instance_id: spawned.instance_id });
    expect(output.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    for (const orchestrator of [a, b]) {
      const listed = await orchestrator.listInstances({});
      expect(listed.total).toBe(1);
      expect(listed.instances.map((i) => i.instance_id)).toEqual([spawned.instance_id]);
      expect(listed.totals).toMatchObject({ instances_live: 1, instances_total: 1 });
    }
    await b.terminateInstance({ instance_id: spawned.instance_id });
    expect((await a.getInstanceStatus({ instance_id: spawned.instance_id })).state).toBe('terminated');
    expect((await a.listInstances({})).total).toBe(0);
    expect((await b.counters()).instancesCreated).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('holds the instance cap and a global budget with spawns and sends racing on two nodes', async () => {
    const limits = { maxInstances: 6, maxTotalCostUsd: 0.004, maxOutputTokens: 200 };
    const [a, b] = [await node(limits), await node(limits)];
    const spawns = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).spawnInstance({ name: `w${i}` })));
    const spawned = spawns.flatMap((s) => (s.status === 'fulfilled' ? [s.value.instance_id] : []));
    expect(spawned).toHaveLength(6);
    for (const s of spawns) if (s.status === 'rejected') expect((s.reason as OrchestratorError).code).toBe('limit_exceeded');
    // Each turn costs about $0.0007 on the simulator: the budget fits only some of the 12 sends.
    const sends = await Promise.allSettled(
      [...spawned, ...spawned].map((instance_id, i) => (i % 2 ? a : b).sendToInstance({ instance_id, message: 'Summarise the plan in one line.' })),
    );
    const refused = sends.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(sends.length - refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(['limit_exceeded', 'invalid_state']).toContain((r.reason as OrchestratorError).code);
    const totals = await a.totals();
    expect(totals.cost_usd).toBeLessThanOrEqual(limits.maxTotalCostUsd);
    // Every call settled: nothing is held any more.
    expect(totals.in_flight_cost_usd).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('the built server runs on it, named by ORCHESTRATOR_DB, and never logs the URL\'s password', async () => {
    // Trust authentication ignores the password: it is there to be kept out of the logs.
    const url = postgres.url().replace('postgres@', 'postgres:topsecret@');
    const bin = startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ ORCHESTRATOR_DB: url, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'pg-bin-')), ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url }));
    try {
      const base = await bin.url;
      const call = async (tool: string, args: object) => {
        const res = await fetch(`${base}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
        expect(res.status).toBe(200);
        return ((await res.json()) as { structuredContent: Record<string, unknown> }).structuredContent;
      };
      const { instance_id } = await call('spawn_claude', { name: 'on-postgres' });
      expect(await call('send_to_instance', { instance_id, message: 'Hello.' })).toMatchObject({ instance_id, state: 'idle' });
      expect(bin.stderr()).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      expect(bin.stderr()).not.toContain('topsecret');
    } finally {
      bin.child.kill('SIGTERM');
      await bin.exited;
    }
    // What it stored is in the database: another node sees it.
    const other = await node();
    expect((await other.listInstances({})).instances.map((i) => i.name)).toEqual(['on-postgres']);
    await other.close();
  });
});
