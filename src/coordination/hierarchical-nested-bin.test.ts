import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../test-support/bin.js';

/**
 * Nested hierarchical runs on the real stack: the bin (HTTP, SQLite store), the official SDK, and the
 * simulator, which answers the orchestrator's plan and integration prompts for a free-form task on its own.
 */

let sim: RunningSimulator;
let bin: RunningBin;
let url: string;
beforeAll(async () => {
  sim = await startSimulator();
  bin = startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'nested-')), ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, MAX_DELEGATION_DEPTH: '3', MAX_INSTANCES: '20' }));
  url = await bin.url;
});
afterAll(async () => {
  bin.child.kill('SIGTERM');
  expect(await bin.exited).toBe(0);
  await sim.close();
});

type S = Record<string, any>;

async function ok(tool: string, args: S): Promise<S> {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  const body = (await res.json()) as S;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body['structuredContent'] as S;
}

const spawn = async (name: string, role: string, parent_id?: string): Promise<string> =>
  (await ok('spawn_claude', { name, role, ...(parent_id ? { parent_id } : {}) }))['instance_id'];

const TASK = 'Organise a two-day offsite for a team of thirty: venue, agenda, travel and budget.';

describe('nested hierarchical runs through the bin', () => {
  it('three levels: each assignee with live children plans and integrates its sub-task over them, down to max_depth', async () => {
    const top = await spawn('Director', 'architect');
    const manager = await spawn('Manager', 'architect');
    const lead = await spawn('Team lead', 'architect', manager);
    const helper = await spawn('Helper', 'general', manager);
    const workers = [await spawn('Worker A', 'general', lead), await spawn('Worker B', 'data_analyst', lead)];
    // A grandchild of `lead` below the depth limit: never coordinated, it would need a fourth level.
    const tooDeep = await spawn('Intern', 'general', workers[0]);
    const solo = await spawn('Solo', 'general');
    sim.reset();

    const result = await ok('coordinate_instances', {
      coordination_type: 'hierarchical',
      coordinator_id: top,
      participant_ids: [manager, solo],
      task_description: TASK,
      options: { max_depth: 3 },
    });

    expect(result).toMatchObject({ coordination_type: 'hierarchical', success: true, level: 1 });
    expect(result['plan'].map((s: S) => s['assignee'])).toEqual([manager, solo]);
    // Level 2: the manager coordinates its own children for its sub-task.
    const second = result['subtasks'][0]['nested'];
    expect(second).toMatchObject({ success: true, level: 2, coordinator: { instance_id: manager } });
    expect(second['plan'].map((s: S) => s['assignee'])).toEqual([lead, helper]);
    // Level 3: the team lead, a child with children, coordinates its workers.
    const third = second['subtasks'][0]['nested'];
    expect(third).toMatchObject({ success: true, level: 3, coordinator: { instance_id: lead } });
    expect(third['plan'].map((s: S) => s['assignee'])).toEqual(workers);
    // max_depth 3 is the last level: the worker with a child does its sub-task itself.
    expect(third['subtasks'].map((s: S) => s['nested'] ?? null)).toEqual([null, null]);
    // Leaves without children do their own work at every level.
    expect(result['subtasks'][1]['nested'] ?? null).toBeNull();
    expect(second['subtasks'][1]['nested'] ?? null).toBeNull();
    expect(result['final_answer']).toMatch(/^Integrated answer to "Organise a two-day offsite/);
    expect(result['final_answer']).toContain('t1 by Manager');

    // Every level's turns are on the store: each coordinator planned and integrated (two turns), each leaf worked.
    const status = async (id: string) => ok('get_instance_status', { instance_id: id });
    expect((await status(top))['turns']).toBe(2);
    expect((await status(manager))['turns']).toBe(2);
    expect((await status(lead))['turns']).toBe(2);
    for (const id of [helper, solo, ...workers]) expect((await status(id))['turns']).toBe(1);
    expect((await status(tooDeep))['turns']).toBe(0);
    // The run's usage is every turn of every level (all of them fresh before the run).
    let spent = 0;
    for (const id of [top, manager, lead, helper, solo, ...workers]) spent += (await status(id))['usage']['total_tokens'];
    expect(result['usage']['total_tokens']).toBe(spent);
    expect(sim.requests.length).toBe(2 + 2 + 2 + 1 + 1 + 2); // one model call per turn above
  });

  it('max_depth 1 (the default) keeps it flat: an assignee with children does its sub-task itself', async () => {
    const top = await spawn('Flat director', 'architect');
    const manager = await spawn('Flat manager', 'architect');
    await spawn('Unused child', 'general', manager);
    const result = await ok('coordinate_instances', { coordination_type: 'hierarchical', coordinator_id: top, participant_ids: [manager], task_description: TASK });
    expect(result).toMatchObject({ success: true, level: 1 });
    expect(result['subtasks'][0]['nested'] ?? null).toBeNull();
  });
});
