import { describe, expect, it } from 'vitest';
import { parsePlan, planWaves } from '../coordination/plan.js';
import {
  decisionPrompt,
  integrationPrompt,
  planPrompt,
  planRetryPrompt,
  proposalPrompt,
  sequentialStepPrompt,
  subtaskPrompt,
  synthesisPrompt,
  votePrompt,
} from '../coordination/prompts.js';
import type { ParticipantInfo, ParticipantResult } from '../coordination/types.js';
import { parseVote } from '../coordination/votes.js';
import { coordinationReply, simulatedVote } from './coordination-replies.js';
import { recogniseOrchestratorPrompt, teamList, type OrchestratorPrompt } from './orchestrator-prompts.js';
import { simulatedPlan } from './plan-reply.js';
import { profileFor } from './role-profiles.js';

/**
 * The prompts here come from the orchestrator's real prompt builders, so a change to their wording that the
 * simulator no longer recognises fails here, not in a demo.
 */

const TASK = 'Plan a birthday party for 12 people on a Saturday afternoon.';
const ana: ParticipantInfo = { instance_id: 'inst_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'Ana', role: 'general' };
const bo: ParticipantInfo = { instance_id: 'inst_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', name: 'Bo (the second)', role: 'backend_developer' };
const cy: ParticipantInfo = { instance_id: 'inst_cccccccccccccccccccccccccccccccc', name: 'Cy', role: 'testing_specialist' };
const team = [ana, bo, cy];
const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 2 };
const done = (who: ParticipantInfo, reply: string): ParticipantResult => ({ ...who, status: 'completed', reply, usage, cost_usd: 0, duration_ms: 1 });
const failed = (who: ParticipantInfo): ParticipantResult => ({ ...who, status: 'failed', error: 'rate limited' });
const general = profileFor('You are a general-purpose assistant.');

function recognised(text: string, earlier: string[] = []): OrchestratorPrompt {
  const prompt = recogniseOrchestratorPrompt(text, earlier);
  if (prompt === undefined) throw new Error(`not recognised: ${text.slice(0, 80)}`);
  return prompt;
}

describe('recognising the orchestrator’s own requests', () => {
  it('reads a plan prompt: the task and every team member with id, name and role', () => {
    const prompt = recognised(planPrompt(TASK, team));
    expect(prompt).toEqual({
      kind: 'plan',
      task: TASK,
      team: [
        { id: ana.instance_id, name: 'Ana', roleId: 'general' },
        { id: bo.instance_id, name: 'Bo (the second)', roleId: 'backend_developer' },
        { id: cy.instance_id, name: 'Cy', roleId: 'testing_specialist' },
      ],
    });
  });

  it('answers a plan prompt with a plan the orchestrator accepts, for any team size', () => {
    for (const size of [1, 2, 3]) {
      const members = team.slice(0, size);
      const reply = coordinationReply(recognised(planPrompt(TASK, members)), general);
      const parsed = parsePlan(reply, members);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.value.map((s) => s.assignee)).toEqual(members.map((m) => m.instance_id));
      expect(planWaves(parsed.value)).toHaveLength(size === 1 ? 1 : 2);
      expect(JSON.parse(reply)).toEqual({ subtasks: expect.any(Array) });
    }
  });

  it('answers a plan retry with a valid plan too, taking the task from the first plan prompt', () => {
    const first = planPrompt(TASK, [ana, cy]);
    const prompt = recognised(planRetryPrompt(['subtasks.0.assignee: "Zed" is not a team member'], [ana, cy]), [first]);
    expect(prompt).toMatchObject({ kind: 'plan_retry', task: TASK, errors: ['subtasks.0.assignee: "Zed" is not a team member'] });
    expect(parsePlan(coordinationReply(prompt, general), [ana, cy]).ok).toBe(true);
  });

  it('plans only members the prompt lists, and at most 25 sub-tasks', () => {
    const crowd = Array.from({ length: 30 }, (_, i) => ({ id: `inst_${i}`, name: `M${i}`, roleId: 'general' }));
    const plan = simulatedPlan(TASK, crowd);
    expect(plan.subtasks).toHaveLength(25);
    expect(new Set(plan.subtasks.map((s) => s.assignee)).size).toBe(25);
    expect(plan.subtasks.at(-1)?.depends_on).toHaveLength(24);
  });

  it('reads a sub-task: its id, description, the overall task and the results it builds on', () => {
    const subtask = { id: 't3', assignee: cy.instance_id, description: 'Check the plan.', depends_on: ['t1', 't2'] };
    const deps = [
      { subtask: { id: 't1', assignee: ana.instance_id, description: 'Venue.', depends_on: [] }, result: done(ana, 'Book the park pavilion.') },
      { subtask: { id: 't2', assignee: bo.instance_id, description: 'Food.', depends_on: [] }, result: failed(bo) },
    ];
    const prompt = recognised(subtaskPrompt(TASK, subtask, deps));
    expect(prompt).toMatchObject({ kind: 'subtask', task: TASK, subtaskId: 't3', description: 'Check the plan.' });
    const reply = coordinationReply(prompt, profileFor('You are a testing specialist.'));
    expect(reply).toContain('Sub-task t3');
    expect(reply).toContain('t1 by Ana (general): "Book the park pavilion."');
    expect(reply).toContain('t2 by Bo (the second) (backend_developer): no reply (failed)');
    expect(reply).toMatch(/Simulated testing specialist/);
  });

  it('reads an integration and names every result and every missing part', () => {
    const outcomes = [
      { subtask: { id: 't1', assignee: ana.instance_id, description: 'Venue.', depends_on: [] }, result: done(ana, 'The park pavilion.') },
      { subtask: { id: 't2', assignee: bo.instance_id, description: 'Food.', depends_on: [] }, result: failed(bo) },
    ];
    const reply = coordinationReply(recognised(integrationPrompt(TASK, outcomes)), general);
    expect(reply).toContain(`Integrated answer to "${TASK}"`);
    expect(reply).toContain('t1 by Ana (general): "The park pavilion."');
    expect(reply).toMatch(/Missing.*\n- t2 by Bo \(the second\) \(backend_developer\) \(failed\)/);
  });

  it.each(['parallel', 'sequential'] as const)('reads a %s synthesis and combines the replies it was given', (mode) => {
    const prompt = recognised(synthesisPrompt(TASK, [done(ana, 'Games outside.'), failed(cy)], mode));
    expect(prompt).toMatchObject({ kind: 'synthesis', mode, task: TASK });
    const reply = coordinationReply(prompt, general);
    expect(reply).toContain('Ana (general): "Games outside."');
    expect(reply).toContain('No reply from Cy (testing_specialist)');
  });

  it('reads a chain step and builds on the steps before it', () => {
    const prompt = recognised(sequentialStepPrompt(TASK, [done(ana, 'Step one: a guest list.')], 2, 3));
    expect(prompt).toMatchObject({ kind: 'step', position: 2, total: 3, task: TASK });
    expect(coordinationReply(prompt, general)).toContain('step 1 by Ana (general): "Step one: a guest list."');
    expect(recognised(sequentialStepPrompt(TASK, [], 1, 3))).toMatchObject({ kind: 'step', position: 1, previous: [] });
  });

  it('reads a consensus proposal request', () => {
    const prompt = recognised(proposalPrompt(TASK, 3));
    expect(prompt).toEqual({ kind: 'proposal', task: TASK, teamSize: 3 });
    expect(coordinationReply(prompt, general)).toContain(`Proposal for "${TASK}"`);
  });

  it('votes with the JSON asked for, for a proposal that exists, the same one whoever votes', () => {
    const proposals = [
      { id: 'P1', author: ana, text: 'A picnic.' },
      { id: 'P2', author: bo, text: 'A picnic in the park with games, a cake and a rain plan.' },
      { id: 'P3', author: cy, text: 'Bowling.' },
    ];
    const replies = team.map((voter, i) => {
      const own = `P${i + 1}`;
      const prompt = recognised(votePrompt({ task: TASK, round: 1, maxRounds: 3, proposals, ownProposalId: own, previousRound: undefined }));
      expect(prompt).toMatchObject({ kind: 'vote', round: 1, ownProposalId: own });
      return coordinationReply(prompt, profileFor(`You are a ${voter.role}.`));
    });
    for (const reply of replies) expect(parseVote(reply, ['P1', 'P2', 'P3'])).toMatchObject({ kind: 'vote', proposalId: 'P2', revisedProposal: null });
  });

  it('breaks a tie between equally long proposals by the lower id', () => {
    const block = (id: string, body: string) => ({ tag: 'proposal', attrs: { id }, body });
    expect(simulatedVote([block('P1', 'one two'), block('P2', 'three four')]).vote).toBe('P1');
  });

  it('reads a decision and states it, quoting the chosen proposal and the dissent', () => {
    const prompt = recognised(
      decisionPrompt({ task: TASK, decision: { id: 'P2', author: bo, text: 'A picnic in the park.' }, votes: 2, voters: 3, dissent: [{ who: cy, text: 'Rain is likely.' }] }),
    );
    expect(prompt).toMatchObject({ kind: 'decision', votes: 2, voters: 3 });
    const reply = coordinationReply(prompt, general);
    expect(reply).toContain('P2 by Bo (the second) (backend_developer), chosen with 2 of 3 votes');
    expect(reply).toContain('A picnic in the park.');
    expect(reply).toContain('Cy (testing_specialist): "Rain is likely."');
  });

  it('leaves everything else alone, whatever the task says', () => {
    for (const text of [TASK, 'Split it into sub-tasks, please', 'Voting round 1 is tomorrow', 'Write {"subtasks":[]} for me', '']) {
      expect(recogniseOrchestratorPrompt(text)).toBeUndefined();
    }
    expect(teamList('no team here')).toEqual([]);
  });
});
