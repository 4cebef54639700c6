import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COORDINATION_TYPES, type CoordinateInput } from '../domain/inputs.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import type { JournalEntry } from '../tasks/turn-journal.js';
import { MAX_RESUMES } from './resumer.js';

/**
 * Every strategy resumes from the turns it had finished: a run is done once (its finished turns recorded as
 * the task would store them), then a task of a server that is gone is stored with the first part of them,
 * and recovery on a live server resumes it. Only the turns past the stored part reach the simulator (the
 * simulator's replies are deterministic, so the resumed run asks the same questions).
 */

let sim: RunningSimulator;
let orchestrator: Orchestrator;
let store: SqliteStore;
const deadOwner = { id: `${hostname()}:999999:1`, host: hostname(), pid: 999_999, processStart: '1', startedAt: '2026-11-25T00:00:00.000Z', address: null, heartbeatAt: '2026-11-25T00:00:00.000Z' };

beforeAll(async () => {
  sim = await startSimulator();
  store = new SqliteStore(':memory:');
  orchestrator = simulatorOrchestrator(sim.url, { maxInstances: 40 }, {}, store);
  await orchestrator.ready();
});
afterAll(async () => {
  await orchestrator.close();
  await sim.close();
});

const spawn = async (name: string, role: string): Promise<string> => (await orchestrator.spawnInstance({ name, role: role as 'architect' })).instance_id;

async function team(type: string): Promise<CoordinateInput> {
  const participants = [await spawn(`${type}-a`, 'frontend_developer'), await spawn(`${type}-b`, 'backend_developer'), await spawn(`${type}-c`, 'testing_specialist')];
  const coordinator = await spawn(`${type}-lead`, 'architect');
  return { coordinator_id: coordinator, participant_ids: participants, task_description: `Build a small todo app (${type}).`, coordination_type: type as CoordinateInput['coordination_type'] };
}

/** Runs `raw` to the end, returning its result and its finished turns as the task journal records them. */
async function runOnce(raw: CoordinateInput): Promise<{ result: Record<string, unknown>; journal: JournalEntry[] }> {
  const journal: JournalEntry[] = [];
  const plan = await orchestrator.prepareCoordination(raw);
  const result = (await orchestrator.runCoordination(plan, { report: (u) => void (u.journal && journal.push(u.journal)) })) as Record<string, unknown>;
  return { result, journal };
}

describe('every coordination strategy resumes from its stored turns', () => {
  it.each(COORDINATION_TYPES)('%s: only the turns past the stored ones are asked again, and it completes', async (type) => {
    const raw = await team(type);
    const first = await runOnce(raw);
    expect(first.result['success']).toBe(true);
    const kept = Math.ceil(first.journal.length / 2);
    const id = `task_resume_${type}`;
    await store.transaction(async (tx) => {
      await tx.registerOwner(deadOwner);
      await tx.saveTask({
        id,
        kind: 'coordinate',
        state: 'working',
        label: type,
        owner: deadOwner.id,
        request: { tool: 'coordinate_instances', arguments: raw },
        progress: { message: 'x', completed_turns: kept, total_turns: null, tokens: 0, updated_at: new Date().toISOString(), journal: first.journal.slice(0, kept) },
        result: undefined,
        error: undefined,
        createdAt: new Date().toISOString(),
        finishedAt: null,
      });
    });
    const before = sim.requests.length;
    const events: unknown[] = [];
    const stop = orchestrator.events.subscribe((e) => void (e.type === 'task.resumed' && events.push(e)));
    const recovered = await orchestrator.recover();
    stop();
    expect(events).toEqual([expect.objectContaining({ taskId: id, kind: 'coordinate', reusedTurns: kept })]);
    expect(recovered.tasks).not.toContain(id);
    const task = await orchestrator.tasks.wait(id, 60_000);
    expect(task.state).toBe('completed');
    expect(sim.requests.length - before).toBe(first.journal.length - kept);
    // The same run (its turns counted as before); the answers of the turns asked again may differ, as the
    // instances now remember the first run.
    expect(task.result).toMatchObject({ coordination_type: type, success: true, turns: first.result['turns'] });
  }, 60_000);

  it(`a task resumed ${MAX_RESUMES} times already is left interrupted (it may be what stops its server)`, async () => {
    const raw = await team('parallel');
    const id = 'task_resumed_too_often';
    await store.transaction(async (tx) => {
      await tx.registerOwner(deadOwner);
      await tx.saveTask({ id, kind: 'coordinate', state: 'working', label: 'x', owner: deadOwner.id, request: { tool: 'coordinate_instances', arguments: raw }, progress: { message: 'x', completed_turns: 0, total_turns: null, tokens: 0, updated_at: new Date().toISOString(), resumes: MAX_RESUMES }, result: undefined, error: undefined, createdAt: new Date().toISOString(), finishedAt: null });
    });
    const before = sim.requests.length;
    expect((await orchestrator.recover()).tasks).toContain(id);
    expect(await orchestrator.tasks.get(id)).toMatchObject({ state: 'interrupted', error: { code: 'interrupted' } });
    expect(sim.requests.length).toBe(before);
  });
});
