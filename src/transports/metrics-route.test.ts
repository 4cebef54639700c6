import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { connectClient, rawRequest } from '../test-support/http.js';
import { MetricsText } from '../test-support/prometheus-text.js';

const TOKEN = randomBytes(32).toString('hex');
const AUTH = { authorization: `Bearer ${TOKEN}` };

let sim: RunningSimulator;
const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
const dbPath = join(dir, 'orchestrator.db');
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/** A real server on an ephemeral port with a token, on the one store file of this suite. */
function serve(): Promise<RunningServer> {
  const config = loadConfig({}, {}, { port: 0, host: '127.0.0.1', apiKey: 'sim-key', baseUrl: sim.url, workspaceDir: join(dir, 'ws'), dbPath, tokens: [TOKEN], maxInstances: 20 });
  return startServer({ config, logger: silentLogger() });
}

async function scrape(url: string): Promise<MetricsText> {
  const res = await rawRequest(url, '/metrics', { headers: AUTH });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe(new Registry().contentType);
  return new MetricsText(res.text);
}

type Structured = Record<string, unknown>;
async function call(client: Client, name: string, args: Structured): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  return { ...(result.structuredContent as Structured), isError: result.isError ?? false };
}

/** What list_instances says about every stored instance (its totals) and the live ones. */
async function listed(client: Client) {
  const list = await call(client, 'list_instances', { include_terminated: true, limit: 100 });
  return list as unknown as {
    instances: Array<{ instance_id: string; name: string; state: string; health_score: number; usage: { total_tokens: number }; cost_usd: number; turns: number; error_count: number }>;
    totals: { instances_live: number; instances_total: number; cost_usd: number; usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number } };
  };
}

/** The store-backed totals of a scrape, to compare across a restart. */
function totalsOf(m: MetricsText) {
  return {
    created: m.value('orchestrator_instances_created_total'),
    requested: m.value('orchestrator_instances_terminated_total', { reason: 'requested' }),
    completed: m.value('orchestrator_turns_total', { outcome: 'completed' }),
    failed: m.value('orchestrator_turns_total', { outcome: 'failed' }),
    input: m.value('orchestrator_tokens_total', { kind: 'input' }),
    output: m.value('orchestrator_tokens_total', { kind: 'output' }),
    cost: m.value('orchestrator_cost_usd_total'),
  };
}

describe('GET /metrics', () => {
  let before: ReturnType<typeof totalsOf>;

  it('counts what was done over the real server: spawns, turns by outcome, a retry and a rate limit, a terminate, tokens and cost equal to list_instances', async () => {
    const server = await serve();
    const url = server.url as string;
    try {
      // Authorised like every other route.
      expect((await rawRequest(url, '/metrics')).status).toBe(401);
      expect((await rawRequest(url, '/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await rawRequest(url, '/metrics', { method: 'POST', headers: AUTH })).status).toBe(405);

      const client = await connectClient(url, { token: TOKEN });
      const ids: string[] = [];
      for (const name of ['Alpha', 'Beta', 'Gamma']) ids.push((await call(client, 'spawn_claude', { name }))['instance_id'] as string);
      const [alpha, beta, gamma] = ids as [string, string, string];
      for (const id of ids) expect((await call(client, 'send_to_instance', { instance_id: id, message: 'Say hello.' })).isError).toBe(false);
      // A 529 then an answer: one retry and one rate-limit event, and the turn completes.
      sim.injectFaults([{ kind: 'status', status: 529, retryAfterMs: 1 }]);
      expect((await call(client, 'send_to_instance', { instance_id: alpha, message: 'Again.' })).isError).toBe(false);
      // A 400 is not retried: the turn fails.
      sim.injectFaults([{ kind: 'status', status: 400, message: 'bad request' }]);
      expect((await call(client, 'send_to_instance', { instance_id: beta, message: 'Fail, please.' })).isError).toBe(true);
      // A send left to run as a task: tasks by state.
      const handle = await call(client, 'send_to_instance', { instance_id: gamma, message: 'In the background.', wait_seconds: 0 });
      expect(handle['task_id']).toEqual(expect.any(String));
      expect((await call(client, 'get_task', { task_id: handle['task_id'], wait_seconds: 60 }))['state']).toBe('completed');
      expect((await call(client, 'terminate_instance', { instance_id: gamma })).isError).toBe(false);

      const m = await scrape(url);
      const list = await listed(client);
      expect(m.value('orchestrator_instances_created_total')).toBe(3);
      expect(m.value('orchestrator_instances_active')).toBe(2);
      expect(m.value('orchestrator_instances_active')).toBe(list.totals.instances_live);
      expect(m.samples('orchestrator_instances_terminated_total')).toEqual([{ name: 'orchestrator_instances_terminated_total', labels: { reason: 'requested' }, value: 1 }]);
      expect(m.value('orchestrator_turns_total', { outcome: 'completed' })).toBe(5);
      expect(m.value('orchestrator_turns_total', { outcome: 'failed' })).toBe(1);
      expect(m.value('orchestrator_turns_total', { outcome: 'completed' })).toBe(list.instances.reduce((n, i) => n + i.turns, 0));
      const u = list.totals.usage;
      expect(m.value('orchestrator_tokens_total', { kind: 'input' })).toBe(u.input_tokens);
      expect(m.value('orchestrator_tokens_total', { kind: 'output' })).toBe(u.output_tokens);
      expect(m.value('orchestrator_tokens_total', { kind: 'cache_write' })).toBe(u.cache_creation_input_tokens);
      expect(m.value('orchestrator_tokens_total', { kind: 'cache_read' })).toBe(u.cache_read_input_tokens);
      expect(u.input_tokens).toBeGreaterThan(0);
      expect(m.value('orchestrator_cost_usd_total')).toBeCloseTo(list.totals.cost_usd, 9);
      expect(list.totals.cost_usd).toBeGreaterThan(0);
      // Durations of this server's turns, by outcome.
      expect(m.value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBe(5);
      expect(m.value('orchestrator_turn_duration_seconds_count', { outcome: 'failed' })).toBe(1);
      expect(m.value('orchestrator_turn_duration_seconds_bucket', { outcome: 'completed', le: '+Inf' })).toBe(5);
      expect(m.value('orchestrator_model_call_duration_seconds_count', { model: 'claude-sonnet-5-5' })).toBe(5);
      expect(m.value('orchestrator_model_call_retries_total', { reason: 'status' })).toBe(1);
      expect(m.value('orchestrator_rate_limit_events_total', { reason: '529' })).toBe(1);
      expect(m.value('orchestrator_tasks', { state: 'completed' })).toBe(1);
      // Per-instance gauges: the live instances only, as list_instances shows them.
      const live = list.instances.filter((i) => i.state !== 'terminated' && i.state !== 'failed');
      expect(m.samples('orchestrator_instance_health_score').map((s) => s.labels['instance_id']).sort()).toEqual(live.map((i) => i.instance_id).sort());
      for (const i of live) {
        const labels = { instance_id: i.instance_id, name: i.name };
        expect(m.value('orchestrator_instance_health_score', labels)).toBe(i.health_score);
        expect(m.value('orchestrator_instance_tokens', labels)).toBe(i.usage.total_tokens);
        expect(m.value('orchestrator_instance_cost_usd', labels)).toBeCloseTo(i.cost_usd, 9);
        expect(m.value('orchestrator_instance_turns', labels)).toBe(i.turns);
        expect(m.value('orchestrator_instance_errors', labels)).toBe(i.error_count);
      }
      // beta's turn failed: one failure in a row costs 25.
      expect(m.value('orchestrator_instance_health_score', { instance_id: beta, name: 'Beta' })).toBe(75);
      // Every metric of ours is prefixed, typed and explained; process metrics come along.
      const ours = [...m.families.values()].filter((f) => f.name.startsWith('orchestrator_'));
      expect(ours.length).toBeGreaterThanOrEqual(16);
      expect(m.families.get('process_cpu_seconds_total')?.type).toBe('counter');
      expect(m.families.get('orchestrator_turn_duration_seconds')?.type).toBe('histogram');
      before = totalsOf(m);
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('resumes the totals from the store after a restart, then counts on', async () => {
    const server = await serve();
    const url = server.url as string;
    try {
      const m = await scrape(url);
      expect(totalsOf(m)).toEqual(before);
      expect(m.value('orchestrator_instances_active')).toBe(2);
      // Durations and retries are this process's own: they start again.
      expect(m.value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBeUndefined();

      const client = await connectClient(url, { token: TOKEN });
      const id = (await call(client, 'spawn_claude', { name: 'Delta' }))['instance_id'] as string;
      await call(client, 'send_to_instance', { instance_id: id, message: 'Hello after the restart.' });
      await call(client, 'terminate_instance', { instance_id: id });
      const after = await scrape(url);
      const list = await listed(client);
      expect(after.value('orchestrator_instances_created_total')).toBe((before.created ?? 0) + 1);
      expect(after.value('orchestrator_instances_terminated_total', { reason: 'requested' })).toBe((before.requested ?? 0) + 1);
      expect(after.value('orchestrator_turns_total', { outcome: 'completed' })).toBe((before.completed ?? 0) + 1);
      expect(after.value('orchestrator_turns_total', { outcome: 'failed' })).toBe(before.failed);
      expect(after.value('orchestrator_tokens_total', { kind: 'input' })).toBe(list.totals.usage.input_tokens);
      expect(after.value('orchestrator_tokens_total', { kind: 'input' })).toBeGreaterThan(before.input ?? 0);
      expect(after.value('orchestrator_cost_usd_total')).toBeCloseTo(list.totals.cost_usd, 9);
      expect(after.value('orchestrator_turn_duration_seconds_count', { outcome: 'completed' })).toBe(1);
      await client.close();
    } finally {
      await server.close();
    }
  });
});
