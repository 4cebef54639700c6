import { describe, expect, it } from 'vitest';
import { parseVote, requiredVotes, tallyVotes } from './votes.js';

const ids = ['P1', 'P2', 'P3'];

describe('parseVote', () => {
  it('reads a vote, its reason and a revision, with lenient labels', () => {
    expect(parseVote('{"vote":"P2","reason":"simplest","revised_proposal":"new text"}', ids)).toEqual({
      kind: 'vote',
      proposalId: 'P2',
      reason: 'simplest',
      revisedProposal: 'new text',
    });
    for (const label of ['"p3"', '3', '"Proposal 3"', '" P3 "']) {
      expect(parseVote(`{"vote":${label}}`, ids)).toMatchObject({ kind: 'vote', proposalId: 'P3', reason: null, revisedProposal: null });
    }
  });

  it('makes prose, a bad shape and an unknown proposal abstentions with a note', () => {
    expect(parseVote('I like the second one best.', ids)).toMatchObject({ kind: 'abstain', note: expect.stringMatching(/not the JSON vote asked for/) });
    expect(parseVote('{"choice":"P1"}', ids)).toMatchObject({ kind: 'abstain', note: expect.stringMatching(/vote: /) });
    expect(parseVote('{"vote":"P9","reason":"x"}', ids)).toMatchObject({ kind: 'abstain', note: expect.stringMatching(/"P9", which is not one of the proposals \(P1, P2, P3\)/), reason: 'x' });
  });
});

describe('quorum', () => {
  it('defaults to a strict majority of all participants', () => {
    expect([1, 2, 3, 4, 5].map((voters) => requiredVotes({ quorum: undefined, voters }))).toEqual([1, 2, 2, 3, 3]);
  });

  it('takes an explicit quorum as at least that share, without float surprises', () => {
    expect(requiredVotes({ quorum: 0.5, voters: 4 })).toBe(2);
    expect(requiredVotes({ quorum: 0.7, voters: 10 })).toBe(7);
    expect(requiredVotes({ quorum: 1, voters: 3 })).toBe(3);
    expect(requiredVotes({ quorum: 0.01, voters: 3 })).toBe(1);
  });

  it('reaches quorum only with a proposal alone in the lead', () => {
    const majority = { quorum: undefined, voters: 4 };
    expect(tallyVotes(ids, ['P1', 'P1', 'P1', 'P2'], majority)).toMatchObject({ leading: 'P1', agreementRatio: 0.75, quorumReached: true });
    expect(tallyVotes(ids, ['P1', 'P1', 'P2', null], majority)).toMatchObject({ leading: 'P1', agreementRatio: 0.5, quorumReached: false });
    expect(tallyVotes(ids, ['P1', 'P1', 'P2', null], { quorum: 0.5, voters: 4 })).toMatchObject({ quorumReached: true });
    expect(tallyVotes(ids, ['P1', 'P1', 'P2', 'P2'], { quorum: 0.5, voters: 4 })).toMatchObject({ leading: null, agreementRatio: 0, quorumReached: false });
    expect(tallyVotes(ids, [null, null], majority)).toMatchObject({ leading: null, counts: { P1: 0, P2: 0, P3: 0 }, quorumReached: false });
  });
});
