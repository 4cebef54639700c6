import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusResult } from '../coordination/consensus.js';
import type { HierarchicalResult } from '../coordination/hierarchical.js';
import type { ParallelResult } from '../coordination/parallel.js';
import type { SequentialResult } from '../coordination/sequential.js';
import type { RoleId } from '../domain/roles.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

/**
 * Offline means everything works offline: with no script at all, the simulator answers the orchestrator's
 * own requests in the format each asks for, so every coordination type succeeds on a free-form task. The
 * real stack: the orchestrator, the official SDK (streamed) and the simulator over HTTP.
 */

const TASK = 'Plan a birthday party for twelve kids on a Saturday afternoon.';

let sim: RunningSimulator;
let orchestrator: Orchestrator;
beforeAll(async () => {
  sim = await startSimulator();
  orchestrator = simulatorOrchestrator(sim.url, { maxInstances: 40 });
});
afterAll(async () => {
  await orchestrator.close();
  await sim.close();
});

async function spawn(name: string, role: RoleId): Promise<string> {
  return (await orchestrator.spawnInstance({ name, role })).instance_id;
}

describe('every coordination type on the simulator, without a script', () => {
  it('hierarchical: the plan assigns only the listed members, runs in two waves, and is integrated', async () => {
    const lead = await spawn('Lead', 'architect');
    const team = [await spawn('Ana', 'general'), await spawn('Bo', 'data_analyst'), await spawn('Cy', 'code_reviewer')];

    const result = (await orchestrator.coordinateInstances({ coordination_type: 'hierarchical', coordinator_id: lead, participant_ids: team, task_description: TASK })) as HierarchicalResult;

    expect(result).toMatchObject({ success: true, plan_attempts: [{ attempt: 1, status: 'valid' }], waves: [['t1', 't2'], ['t3']] });
    expect(result.plan?.map((s) => s.assignee)).toEqual(team);
    expect(result.subtasks.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
    // The reviewer's sub-task saw the first two results, and the integration names all three.
    expect(result.subtasks[2]?.reply).toMatch(/t1 by Ana \(general\)[\s\S]*t2 by Bo \(data_analyst\)/);
    expect(result.final_answer).toContain(`Integrated answer to "${TASK}"`);
    for (const id of ['t1', 't2', 't3']) expect(result.final_answer).toContain(`- ${id} by `);
    expect(result.usage.total_tokens).toBeGreaterThan(0);
  });

  it('hierarchical with a single member', async () => {
    const lead = await spawn('Solo lead', 'architect');
    const result = (await orchestrator.coordinateInstances({ coordination_type: 'hierarchical', coordinator_id: lead, participant_ids: [await spawn('Dee', 'general')], task_description: TASK })) as HierarchicalResult;
    expect(result).toMatchObject({ success: true, waves: [['t1']] });
  });

  it('hierarchical two levels deep: a member with children plans and integrates its own sub-task', async () => {
    const lead = await spawn('Top', 'architect');
    const manager = await spawn('Mid', 'architect');
    const children = [
      (await orchestrator.spawnInstance({ name: 'Kid A', role: 'general', parent_id: manager })).instance_id,
      (await orchestrator.spawnInstance({ name: 'Kid B', role: 'general', parent_id: manager })).instance_id,
    ];
    const result = (await orchestrator.coordinateInstances({
      coordination_type: 'hierarchical',
      coordinator_id: lead,
      participant_ids: [manager, await spawn('Solo', 'general')],
      task_description: TASK,
      options: { max_depth: 2 },
    })) as HierarchicalResult;

    expect(result.success).toBe(true);
    const nested = result.subtasks[0]?.nested;
    expect(nested).toMatchObject({ success: true, level: 2, coordinator: { instance_id: manager } });
    expect(nested?.plan?.map((s) => s.assignee)).toEqual(children);
  });

  it('consensus: every member proposes, all vote for one real proposal, quorum in round 1, the coordinator states it', async () => {
    const lead = await spawn('Chair', 'architect');
    const team = [await spawn('Eve', 'general'), await spawn('Fay', 'security_analyst'), await spawn('Gus', 'documentation_writer')];

    const result = (await orchestrator.coordinateInstances({ coordination_type: 'consensus', coordinator_id: lead, participant_ids: team, task_description: TASK })) as ConsensusResult;

    expect(result).toMatchObject({ success: true, quorum_reached: true, agreement_ratio: 1, rounds: [{ round: 1, quorum_reached: true }] });
    expect(result.proposals.map((p) => p.id)).toEqual(['P1', 'P2', 'P3']);
    expect(result.votes.map((v) => v.status)).toEqual(['voted', 'voted', 'voted']);
    expect(result.proposals.map((p) => p.id)).toContain(result.decision?.proposal_id);
    expect(result.dissent).toEqual([]);
    expect(result.final_answer).toContain(`Team decision on "${TASK}": ${result.decision?.proposal_id}`);
  });

  it('consensus with two members and a two-thirds quorum', async () => {
    const team = [await spawn('Hal', 'general'), await spawn('Ivy', 'testing_specialist')];
    const result = (await orchestrator.coordinateInstances({ coordination_type: 'consensus', participant_ids: team, task_description: TASK, options: { quorum: 0.67 } })) as ConsensusResult;
    expect(result).toMatchObject({ success: true, quorum_reached: true, statement: null });
  });

  it('parallel: independent replies, then a synthesis that names each of them', async () => {
    const lead = await spawn('Synth', 'architect');
    const team = [await spawn('Jo', 'general'), await spawn('Kai', 'frontend_developer')];
    const result = (await orchestrator.coordinateInstances({ coordination_type: 'parallel', coordinator_id: lead, participant_ids: team, task_description: TASK })) as ParallelResult;
    expect(result.success).toBe(true);
    expect(result.final_answer).toMatch(/^Combined answer to ".*", from the members’ independent replies:\n- Jo \(general\): "[\s\S]*\n- Kai \(frontend_developer\): "/);
  });

  it('sequential: each step builds on the one before it', async () => {
    const team = [await spawn('Lu', 'general'), await spawn('Mo', 'architect'), await spawn('Ned', 'code_reviewer')];
    const result = (await orchestrator.coordinateInstances({ coordination_type: 'sequential', participant_ids: team, task_description: TASK })) as SequentialResult;
    expect(result.success).toBe(true);
    expect(result.final_answer).toMatch(/^\[Simulated code reviewer, step 3 of 3\]/);
    // Quotes drop the simulator's labels and keep what each step said.
    expect(result.final_answer).toContain(`- step 1 by Lu (general): "My contribution to "${TASK}": I would break the task`);
    expect(result.final_answer).toContain(`- step 2 by Mo (architect): "My contribution to "${TASK}": I would name the components`);
  });
});

describe('memory', () => {
  it('a later turn quotes an earlier message of the conversation', async () => {
    const id = await spawn('Pal', 'general');
    const first = await orchestrator.sendToInstance({ instance_id: id, message: 'My favourite colour is teal.' });
    expect(first.reply).not.toContain('Earlier you said');
    await orchestrator.sendToInstance({ instance_id: id, message: 'I live in Lisbon.' });
    const third = await orchestrator.sendToInstance({ instance_id: id, message: 'What do you remember about me?' });
    expect(third.reply).toContain('turn 3] You said: "What do you remember about me?". Earlier you said: "My favourite colour is teal.".');
  });
});
