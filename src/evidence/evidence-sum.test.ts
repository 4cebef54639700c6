import { describe, expect, it } from 'vitest';
import { addTurnEvidence, describeUnverified, EMPTY_EVIDENCE_TALLY, runEvidence } from './evidence-sum.js';
import type { Evidence } from './types.js';
import { NO_ACTION_REASON } from './verify.js';

const ana = { instance_id: 'inst_a', name: 'Ana', role: 'backend_developer' };
const bo = { instance_id: 'inst_b', name: 'Bo', role: 'frontend_developer' };
const cy = { instance_id: 'inst_c', name: 'Cy', role: 'architect' };

const worked: Evidence = {
  tool_calls: { Write: 1, Bash: 2 },
  files: [{ path: 'api.ts', bytes: 10, sha256: 'a'.repeat(64) }],
  commands: [
    { command: 'npm test', exit_code: 0 },
    { command: 'npm run lint', exit_code: 1 },
  ],
  model_calls: 3,
  tokens: 300,
};
const said: Evidence = { tool_calls: {}, files: [], commands: [], model_calls: 1, tokens: 50 };

describe("a run's evidence, per participant and for the run", () => {
  it('sums tool calls by name, distinct files, commands, model calls and tokens, and counts verified and unverified agents', () => {
    let tally = EMPTY_EVIDENCE_TALLY;
    tally = addTurnEvidence(tally, ana, { evidence: worked, verification: { status: 'verified', reason: '1 file changed' } });
    tally = addTurnEvidence(tally, bo, { evidence: said, verification: { status: 'unverified', reason: NO_ACTION_REASON } });
    tally = addTurnEvidence(tally, cy, { evidence: said });
    // Ana's second turn touches the same file again: still one distinct file.
    tally = addTurnEvidence(tally, ana, { evidence: { ...worked, commands: [], tool_calls: { Edit: 1 } }, verification: { status: 'verified', reason: '1 file changed' } });

    const run = runEvidence(tally);
    expect(run).toMatchObject({ tool_calls: { Write: 1, Bash: 2, Edit: 1 }, files: 1, commands: 2, failed_commands: 1, model_calls: 8, tokens: 700, verified: 1, unverified: 1 });
    expect(run.participants).toEqual([
      { ...ana, turns: 2, tool_calls: { Write: 1, Bash: 2, Edit: 1 }, files: 1, commands: 2, failed_commands: 1, model_calls: 6, tokens: 600, verification: 'verified' },
      { ...bo, turns: 1, tool_calls: {}, files: 0, commands: 0, failed_commands: 0, model_calls: 1, tokens: 50, verification: 'unverified', reason: NO_ACTION_REASON },
      // A plain conversation carries no flag.
      { ...cy, turns: 1, tool_calls: {}, files: 0, commands: 0, failed_commands: 0, model_calls: 1, tokens: 50, verification: null },
    ]);
    expect(describeUnverified(tally)).toBe(`Unverified: Bo (frontend_developer): ${NO_ACTION_REASON}.`);
  });

  it('an agent with one verified turn is verified; the empty tally says nothing', () => {
    let tally = addTurnEvidence(EMPTY_EVIDENCE_TALLY, bo, { evidence: said, verification: { status: 'unverified', reason: NO_ACTION_REASON } });
    tally = addTurnEvidence(tally, bo, { evidence: worked, verification: { status: 'verified', reason: '1 file changed' } });
    expect(runEvidence(tally)).toMatchObject({ verified: 1, unverified: 0 });
    expect(describeUnverified(tally)).toBe('');
    expect(runEvidence(EMPTY_EVIDENCE_TALLY)).toEqual({ tool_calls: {}, files: 0, commands: 0, failed_commands: 0, model_calls: 0, tokens: 0, verified: 0, unverified: 0, participants: [] });
  });
});
