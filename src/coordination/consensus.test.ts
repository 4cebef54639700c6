import { describe, expect, it } from 'vitest';
import { FakePort, fakeContext, type FakeCall } from '../test-support/fake-port.js';
import { runConsensus } from './consensus.js';
import type { CoordinationRequest } from './types.js';

const TASK = 'Pick a database for the app.';

const request = (participantIds: string[], extra: Partial<CoordinationRequest> = {}): CoordinationRequest => ({
  participantIds,
  task: TASK,
  options: {},
  ...extra,
});

const roundOf = (c: FakeCall) => Number(/Voting round (\d+)/.exec(c.message)?.[1] ?? 0);

/** A voter: proposes `proposal`, then answers round r with `votes[r-1]` (the last one repeats). */
function voter(proposal: string, votes: Array<string | Record<string, unknown>>) {
  return (c: FakeCall) => {
    const round = roundOf(c);
    if (round === 0) return proposal;
    const vote = votes[Math.min(round, votes.length) - 1] ?? 'no vote';
    return typeof vote === 'string' ? vote : JSON.stringify(vote);
  };
}

describe('runConsensus', () => {
  it('stops as soon as a proposal reaches quorum', async () => {
    const port = FakePort.team('a:architect', 'b:backend_developer', 'c:data_analyst');
    // Proposals hold until all three are asked: they are made independently, at the same time.
    const propose = (text: string, vote: string) => async (c: FakeCall) =>
      roundOf(c) === 0 ? (await port.whenInFlight(3), text) : `Sure:\n\`\`\`json\n{"vote":"${vote}","reason":"${vote} fits"}\n\`\`\``;
    port.script('inst_a', propose('Postgres', 'P2')).script('inst_b', propose('SQLite', 'P2')).script('inst_c', propose('DynamoDB', 'P1'));
    const context = fakeContext(port);

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c']), context);

    expect(port.maxInFlight).toBe(3);
    expect(port.calls).toHaveLength(6);
    const ballot = port.callsTo('inst_c')[1]?.message ?? '';
    expect(ballot).toContain('<proposal id="P1" author="a (architect)">\nPostgres\n</proposal>');
    expect(ballot).toContain('<proposal id="P2" author="b (backend_developer)">\nSQLite\n</proposal>');
    expect(ballot).toContain('<proposal id="P3" author="c (data_analyst)">\nDynamoDB\n</proposal>');
    expect(ballot).toMatch(/Voting round 1 of at most 3.*\(it may be your own, P3\)/);
    expect(result).toMatchObject({
      coordination_type: 'consensus',
      success: true,
      quorum_reached: true,
      agreement_ratio: 2 / 3,
      decision: { proposal_id: 'P2', text: 'SQLite', author: { name: 'b' }, votes: 2 },
      final_answer: 'SQLite',
      quorum: { required_votes: 2, voters: 3 },
      turns: 6,
    });
    expect(result.rounds).toHaveLength(1);
    expect(result.votes.map((v) => [v.name, v.vote, v.reason])).toEqual([
      ['a', 'P2', 'P2 fits'],
      ['b', 'P2', 'P2 fits'],
      ['c', 'P1', 'P1 fits'],
    ]);
    expect(result.dissent).toEqual([expect.objectContaining({ name: 'c', vote: 'P1', reason: 'P1 fits' })]);
    expect(result.summary).toMatch(/P2 by b \(backend_developer\) reached quorum in round 1 with 2 of 3 votes \(2 needed\)/);
    expect(context.updates.at(-1)).toMatchObject({ completedTurns: 6, totalTurns: 6 });
  });

  it('without quorum runs every round, tells voters how the last round went, and reports the dissent', async () => {
    const port = FakePort.team('a', 'b', 'c', 'd');
    port.script('inst_a', voter('A', [{ vote: 'P1', reason: 'mine is best' }]));
    port.script('inst_b', voter('B', [{ vote: 'P1', reason: 'A is solid' }]));
    port.script('inst_c', voter('C', [{ vote: 'P3', reason: 'cheapest' }]));
    port.script('inst_d', voter('D', [{ vote: 'P4', reason: 'fastest' }]));

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c', 'inst_d'], { options: { maxRounds: 2 } }), fakeContext(port));

    expect(port.calls).toHaveLength(4 + 4 * 2);
    const secondBallot = port.callsTo('inst_d')[2]?.message ?? '';
    expect(secondBallot).toMatch(/- P1: 2 votes \(a, b\)\n- P2: 0 votes\n- P3: 1 vote \(c\)\n- P4: 1 vote \(d\)/);
    expect(secondBallot).toContain('- b (general) for P1: A is solid');
    // 2 of 4 leads but is no strict majority.
    expect(result).toMatchObject({ success: false, quorum_reached: false, decision: null, agreement_ratio: 0.5, final_answer: null });
    expect(result.rounds.map((r) => r.leading)).toEqual(['P1', 'P1']);
    expect(result.dissent.map((d) => [d.name, d.vote, d.reason])).toEqual([
      ['c', 'P3', 'cheapest'],
      ['d', 'P4', 'fastest'],
    ]);
    expect(result.summary).toMatch(/No quorum after 2 of 2 round\(s\): P1 led with 2 of 4 votes, 3 needed/);
  });

  it('takes an explicit quorum as "at least that share"', async () => {
    const port = FakePort.team('a', 'b', 'c', 'd');
    for (const [id, vote] of [['inst_a', 'P1'], ['inst_b', 'P1'], ['inst_c', 'P3'], ['inst_d', 'P4']] as const) port.script(id, voter(id, [{ vote }]));
    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c', 'inst_d'], { options: { quorum: 0.5 } }), fakeContext(port));
    expect(result).toMatchObject({ quorum_reached: true, decision: { proposal_id: 'P1' }, quorum: { required_votes: 2 } });
  });

  it('lets an author revise its proposal; the next round votes on the new text', async () => {
    const port = FakePort.team('a', 'b', 'c');
    port.script('inst_a', voter('Postgres', [{ vote: 'P1', reason: 'mine', revised_proposal: 'Postgres with read replicas' }, { vote: 'P1' }]));
    port.script('inst_b', voter('MySQL', [{ vote: 'P2', reason: 'mine' }, { vote: 'P1', reason: 'replicas convinced me' }]));
    port.script('inst_c', voter('Mongo', [{ vote: 'P3' }, { vote: 'P1' }]));

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c']), fakeContext(port));

    expect(port.callsTo('inst_b')[2]?.message).toContain('<proposal id="P1" author="a (general)">\nPostgres with read replicas\n</proposal>');
    expect(result.proposals[0]).toMatchObject({ id: 'P1', text: 'Postgres with read replicas', revisions: [{ round: 1, text: 'Postgres with read replicas' }] });
    expect(result.rounds).toHaveLength(2);
    expect(result).toMatchObject({ success: true, agreement_ratio: 1, decision: { proposal_id: 'P1', text: 'Postgres with read replicas' }, dissent: [] });
  });

  it('counts prose and unknown proposals as abstentions and ends with no quorum, explained, without hanging', async () => {
    const port = FakePort.team('a', 'b', 'c');
    port.script('inst_a', 'I would rather discuss this in a meeting.');
    port.script('inst_b', 'Honestly, all of them are fine.');
    port.script('inst_c', voter('C', [{ vote: 'P7', reason: 'lucky number' }]));

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c']), fakeContext(port));

    expect(result.rounds).toHaveLength(3);
    expect(result).toMatchObject({ success: false, quorum_reached: false, decision: null, agreement_ratio: 0 });
    expect(result.dissent.map((d) => [d.status, d.note])).toEqual([
      ['abstained', expect.stringMatching(/Abstained: the reply was not the JSON vote asked for \(the reply contains no JSON object/)],
      ['abstained', expect.stringMatching(/not the JSON vote asked for/)],
      ['abstained', expect.stringMatching(/Abstained: voted "P7", which is not one of the proposals \(P1, P2, P3\)/)],
    ]);
    expect(result.summary).toMatch(/no proposal led alone.*3 abstained in the last round/);
  });

  it('lets participants whose proposal failed still vote, and ignores their revisions', async () => {
    const port = FakePort.team('a', 'b', 'c');
    port.script('inst_a', voter('A', [{ vote: 'P1' }])).script('inst_b', voter('B', [{ vote: 'P1' }]));
    let cTurns = 0;
    port.script('inst_c', () => {
      cTurns += 1;
      if (cTurns === 1) throw new Error('overloaded');
      return JSON.stringify({ vote: 'P2', revised_proposal: 'C after all' });
    });

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c']), fakeContext(port));

    expect(result.participants.map((p) => p.status)).toEqual(['completed', 'completed', 'failed']);
    expect(result.proposals.map((p) => p.id)).toEqual(['P1', 'P2']);
    expect(result.votes[2]).toMatchObject({ status: 'voted', vote: 'P2', note: expect.stringMatching(/revised_proposal was ignored/) });
    expect(result).toMatchObject({ success: true, decision: { proposal_id: 'P1' } });
  });

  it('has a coordinator state the decision, with the dissent', async () => {
    const port = FakePort.team('lead:architect', 'a', 'b', 'c');
    port.script('inst_a', voter('A', [{ vote: 'P1' }])).script('inst_b', voter('B', [{ vote: 'P1' }]));
    port.script('inst_c', voter('C', [{ vote: 'P3', reason: 'A does not scale' }]));
    port.script('inst_lead', 'We go with A, and plan for scale later.');

    const result = await runConsensus(request(['inst_a', 'inst_b', 'inst_c'], { coordinatorId: 'inst_lead' }), fakeContext(port));

    const prompt = port.callsTo('inst_lead')[0]?.message ?? '';
    expect(prompt).toMatch(/chose P1 by a \(general\), with 2 of 3 votes/);
    expect(prompt).toContain('<dissent from="c (general)">\nA does not scale\n</dissent>');
    expect(result).toMatchObject({ success: true, statement: { status: 'completed' }, final_answer: 'We go with A, and plan for scale later.', turns: 7 });
  });

  it('ends without rounds when nobody could propose', async () => {
    const port = FakePort.team('a', 'b');
    port.fail('inst_a').fail('inst_b');
    const result = await runConsensus(request(['inst_a', 'inst_b']), fakeContext(port));
    expect(port.calls).toHaveLength(2);
    expect(result).toMatchObject({ success: false, rounds: [], proposals: [], decision: null });
    expect(result.summary).toMatch(/nothing to vote on/);
  });

  it('on abort cancels the round in progress and starts no further round', async () => {
    const port = FakePort.team('a', 'b');
    const context = fakeContext(port);
    port.script('inst_a', voter('A', [{ vote: 'P2' }]));
    port.script('inst_b', (c) => {
      if (roundOf(c) === 0) return 'B';
      context.controller.abort();
      return new Promise<string>(() => {});
    });

    const result = await runConsensus(request(['inst_a', 'inst_b']), context);

    expect(port.calls).toHaveLength(4);
    expect(result.rounds).toHaveLength(1);
    expect(result.votes.map((v) => v.status)).toContain('cancelled');
    expect(result).toMatchObject({ success: false, quorum_reached: false });
    expect(result.summary).toMatch(/^Cancelled\./);
  });
});
