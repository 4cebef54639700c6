import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiBackend } from '../backends/api/api-backend.js';
import { loadConfig } from '../config/load-config.js';
import { isLive, type InstanceState } from '../domain/instance.js';
import type { RoleId } from '../domain/roles.js';
import { silentLogger } from '../observability/logger.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { lastUserText, systemText } from '../simulator/request-text.js';
import { startSimulator, type ParsedRequest, type RunningSimulator } from '../simulator/simulator.js';
import { MemoryStore } from '../store/memory-store.js';
import { deferred } from '../test-support/fake-port.js';
import { runConsensus } from './consensus.js';
import { runHierarchical } from './hierarchical.js';
import { runParallel } from './parallel.js';
import { runSequential } from './sequential.js';
import type { CoordinationContext, CoordinationPort, ParticipantInfo, ProgressUpdate } from './types.js';

/**
 * The strategies over the real stack: a real Orchestrator (turn queue, limits, accounting, history) with the
 * real ApiBackend (the official SDK, streamed) against the real simulator over HTTP.
 */

let sim: RunningSimulator;
let orchestrator: Orchestrator;

beforeEach(async () => {
  sim = await startSimulator();
  const config = loadConfig({}, {}, { apiKey: 'sim-key', baseUrl: sim.url, workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')) });
  orchestrator = new Orchestrator({
    config,
    backend: new ApiBackend({ apiKey: config.apiKey, baseUrl: config.baseUrl, maxRetries: 0 }),
    store: new MemoryStore(),
    priceTable: BUILTIN_PRICE_TABLE,
    logger: silentLogger(),
  });
});

afterEach(async () => {
  await orchestrator.close();
  await sim.close();
});

/** A test-only adapter; the production one lives with the orchestrator. */
function portOver(o: Orchestrator): CoordinationPort {
  const describeInstance = async (id: string): Promise<ParticipantInfo> => {
    const status = await o.getInstanceStatus({ instance_id: id });
    return { instance_id: status.instance_id, name: status.name, role: status.role };
  };
  return {
    async send(instanceId, message, signal) {
      const r = await o.sendToInstance({ instance_id: instanceId, message }, { signal });
      return { instance_id: instanceId, reply: r.reply, usage: r.usage, cost_usd: r.cost_usd, duration_ms: r.duration_ms };
    },
    describe: describeInstance,
    childrenOf: async (id) => {
      const children = await Promise.all((await o.getInstanceStatus({ instance_id: id })).children.map((child) => o.getInstanceStatus({ instance_id: child })));
      return Promise.all(children.filter((child) => isLive(child.state as InstanceState)).map((child) => describeInstance(child.instance_id)));
    },
  };
}

function contextOver(o: Orchestrator): CoordinationContext & { updates: ProgressUpdate[] } {
  const updates: ProgressUpdate[] = [];
  return { port: portOver(o), signal: new AbortController().signal, maxConcurrency: 8, progress: (u) => void updates.push(u), updates };
}

async function spawn(name: string, role: RoleId): Promise<string> {
  return (await orchestrator.spawnInstance({ name, role })).instance_id;
}

/** The conversation of an instance as [role, content] pairs. */
async function history(id: string): Promise<Array<[string, string]>> {
  return (await orchestrator.getInstanceOutput({ instance_id: id })).messages.map((m) => [m.role, m.content]);
}

const roleIn = (request: ParsedRequest): string => /senior (frontend|backend) developer|testing specialist|software architect/.exec(systemText(request))?.[0] ?? 'someone';

describe('coordination on the real stack', () => {
  it('parallel: the participants requests really overlap, then the coordinator synthesises', async () => {
    const task = 'Design the signup flow.';
    const allArrived = deferred();
    let arrived = 0;
    sim.setScript([
      { match: { system: /software architect/, lastUser: 'Combine their work' }, reply: 'SYNTHESIS of three views' },
      {
        match: { lastUser: task },
        // Hold every reply until all three requests are in flight: this only completes if they overlap.
        reply: async (request) => {
          arrived += 1;
          if (arrived === 3) allArrived.resolve();
          await allArrived.promise;
          return `View of the ${roleIn(request)}`;
        },
      },
    ]);
    const lead = await spawn('Lead', 'architect');
    const ids = [await spawn('FE', 'frontend_developer'), await spawn('BE', 'backend_developer'), await spawn('QA', 'testing_specialist')];

    const result = await runParallel({ coordinatorId: lead, participantIds: ids, task, options: {} }, contextOver(orchestrator));

    expect(sim.maxInFlight).toBe(3);
    expect(result).toMatchObject({ success: true, turns: 4, final_answer: 'SYNTHESIS of three views' });
    expect(result.results.map((r) => r.reply)).toEqual(['View of the senior frontend developer', 'View of the senior backend developer', 'View of the testing specialist']);
    expect(result.usage.total_tokens).toBeGreaterThan(0);
    expect(result.cost_usd).toBeGreaterThan(0);
    expect(await history(ids[0] ?? '')).toEqual([
      ['user', task],
      ['assistant', 'View of the senior frontend developer'],
    ]);
    const synthesis = await history(lead);
    expect(synthesis[0]?.[1]).toContain('View of the testing specialist');
    expect(synthesis[1]).toEqual(['assistant', 'SYNTHESIS of three views']);
    // The run's totals are exactly what the instances were charged.
    const statuses = await Promise.all([lead, ...ids].map((id) => orchestrator.getInstanceStatus({ instance_id: id })));
    const charged = statuses.reduce((sum, status) => sum + status.usage.total_tokens, 0);
    expect(result.usage.total_tokens).toBe(charged);
  });

  it('sequential: request k carries the output of step k-1', async () => {
    sim.setScript([{ reply: (request) => `OUTPUT of the ${roleIn(request)}` }]);
    const ids = [await spawn('Arch', 'architect'), await spawn('BE', 'backend_developer'), await spawn('QA', 'testing_specialist')];

    const result = await runSequential({ participantIds: ids, task: 'Build a rate limiter.', options: {} }, contextOver(orchestrator));

    expect(result).toMatchObject({ success: true, turns: 3, final_answer: 'OUTPUT of the testing specialist' });
    const asked = sim.requests.map((r) => lastUserText(r.body));
    expect(asked).toHaveLength(3);
    expect(asked[1]).toContain('OUTPUT of the software architect');
    expect(asked[2]).toContain('OUTPUT of the senior backend developer');
    expect(asked[2]).toContain('OUTPUT of the software architect');
    expect(sim.maxInFlight).toBe(1);
    for (const id of ids) expect((await history(id)).map(([role]) => role)).toEqual(['user', 'assistant']);
  });

  it('hierarchical: the architect plans in JSON, the plan runs in waves, and the architect integrates', async () => {
    const lead = await spawn('Lead', 'architect');
    const fe = await spawn('FE', 'frontend_developer');
    const be = await spawn('BE', 'backend_developer');
    const qa = await spawn('QA', 'testing_specialist');
    const plan = {
      subtasks: [
        { id: 'ui', assignee: fe, description: 'Build the task list UI.', depends_on: [] },
        { id: 'api', assignee: be, description: 'Build the tasks REST API.', depends_on: [] },
        { id: 'tests', assignee: qa, description: 'Write end-to-end tests for UI and API.', depends_on: ['ui', 'api'] },
      ],
    };
    sim.setScript([
      { match: { system: /software architect/, lastUser: 'Split it into sub-tasks' }, reply: `Here is the plan.\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`` },
      { match: { system: /software architect/, lastUser: 'Integrate their results' }, reply: 'INTEGRATED todo app' },
      { match: { system: /senior frontend developer/ }, reply: 'UI component done' },
      { match: { system: /senior backend developer/ }, reply: 'API endpoints done' },
      { match: { system: /testing specialist/ }, reply: 'E2E tests done' },
    ]);

    const result = await runHierarchical({ coordinatorId: lead, participantIds: [fe, be, qa], task: 'Build a todo app.', options: {} }, contextOver(orchestrator));

    expect(result).toMatchObject({ success: true, turns: 5, final_answer: 'INTEGRATED todo app', waves: [['ui', 'api'], ['tests']] });
    const testsPrompt = (await history(qa))[0]?.[1] ?? '';
    expect(testsPrompt).toContain('UI component done');
    expect(testsPrompt).toContain('API endpoints done');
    const leadHistory = await history(lead);
    expect(leadHistory.map(([role]) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(leadHistory[2]?.[1]).toContain('E2E tests done');
    expect(leadHistory[3]).toEqual(['assistant', 'INTEGRATED todo app']);
  });

  it('hierarchical: a coordinator that only writes prose ends the run clearly and stays usable', async () => {
    const lead = await spawn('Lead', 'architect');
    const fe = await spawn('FE', 'frontend_developer');
    // The simulator answers plan prompts with a valid plan by default; this coordinator only writes prose.
    sim.setScript([{ match: { lastUser: /Split it into sub-tasks|Your plan could not be used/ }, reply: 'We should start with the data model, then build the UI.' }]);
    const result = await runHierarchical({ coordinatorId: lead, participantIds: [fe], task: 'Build a todo app.', options: {} }, contextOver(orchestrator));

    expect(result).toMatchObject({ success: false, plan: null, turns: 2 });
    expect(result.summary).toMatch(/did not produce a valid plan after 2 attempts/);
    expect((await orchestrator.getInstanceStatus({ instance_id: lead })).state).toBe('idle');
    await expect(orchestrator.sendToInstance({ instance_id: lead, message: 'still there?' })).resolves.toMatchObject({ state: 'idle' });
  });

  it('consensus: independent proposals, then one round in which a majority agrees', async () => {
    sim.setScript([
      { match: { system: /senior backend developer/, lastUser: 'Voting round' }, reply: '{"vote":"P2","reason":"simplest to run"}' },
      { match: { lastUser: 'Voting round' }, reply: '```json\n{"vote":"P1","reason":"the most robust"}\n```' },
      { reply: (request) => `Use Postgres, says the ${roleIn(request)}` },
    ]);
    const ids = [await spawn('Arch', 'architect'), await spawn('BE', 'backend_developer'), await spawn('FE', 'frontend_developer')];

    const result = await runConsensus({ participantIds: ids, task: 'Choose a database.', options: {} }, contextOver(orchestrator));

    expect(result).toMatchObject({
      success: true,
      quorum_reached: true,
      agreement_ratio: 2 / 3,
      decision: { proposal_id: 'P1', text: 'Use Postgres, says the software architect' },
      turns: 6,
    });
    expect(result.dissent).toEqual([expect.objectContaining({ name: 'BE', vote: 'P2', reason: 'simplest to run' })]);
    for (const id of ids) expect((await history(id)).map(([role]) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('abort: turns in flight are cancelled, nothing new starts, and the instances stay usable', async () => {
    const allArrived = deferred();
    let arrived = 0;
    sim.setScript([
      { match: { lastUser: 'still there?' }, reply: 'yes' },
      {
        // Never answers on its own: only the abort can end these requests.
        reply: () => {
          arrived += 1;
          if (arrived === 2) allArrived.resolve();
          return new Promise<string>(() => {});
        },
      },
    ]);
    const ids = [await spawn('A', 'general'), await spawn('B', 'general'), await spawn('C', 'general')];
    const controller = new AbortController();
    const context = { ...contextOver(orchestrator), signal: controller.signal, maxConcurrency: 2 };

    const running = runParallel({ participantIds: ids, task: 'Wait for it.', options: {} }, context);
    await allArrived.promise;
    controller.abort();
    const result = await running;

    expect(result.results.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(sim.requests).toHaveLength(2);
    expect(result).toMatchObject({ success: false, turns: 0 });
    for (const id of ids) expect((await orchestrator.getInstanceStatus({ instance_id: id })).state).toBe('idle');
    await expect(orchestrator.sendToInstance({ instance_id: ids[0] ?? '', message: 'still there?' })).resolves.toMatchObject({ reply: 'yes' });
  });
});
