import { describe, expect, it } from 'vitest';
import type { AskPermission } from '../backend.js';
import { decidePermission, type BridgeOptions, type CanUseToolRequest } from './permission-bridge.js';

const request: CanUseToolRequest = { subtype: 'can_use_tool', tool_name: 'Bash', input: { command: 'npm publish' }, description: 'Publish the package', tool_use_id: 't1' };
const options = (ask: AskPermission | undefined, patch: Partial<BridgeOptions> = {}): BridgeOptions => ({
  ask,
  timeoutMs: 5_000,
  mode: 'acceptEdits',
  workspace: '/ws/inst_1',
  signal: new AbortController().signal,
  ...patch,
});

describe('the permission bridge', () => {
  it('allows with the input unchanged when the user allows, telling them what and why', async () => {
    const seen: unknown[] = [];
    const decision = await decidePermission(request, options(async (req) => (seen.push(req), { allow: true })));
    expect(decision).toEqual({ response: { behavior: 'allow', updatedInput: { command: 'npm publish' } } });
    expect(seen).toEqual([{ tool: 'Bash', input: { command: 'npm publish' }, reason: "the instance's permission policy (acceptEdits) asks before Bash: Publish the package" }]);
  });

  it('denies with the reason, for the agent and for the result', async () => {
    const decision = await decidePermission(request, options(async () => ({ allow: false, message: 'not from here' })));
    expect(decision.denial).toEqual({ tool: 'Bash', input: { command: 'npm publish' }, reason: 'the user refused (not from here)' });
    expect(decision.response).toMatchObject({ behavior: 'deny', message: expect.stringContaining('the user refused (not from here)') });
  });

  it('denies when nobody can answer', async () => {
    expect((await decidePermission(request, options(undefined))).denial?.reason).toMatch(/^nobody can answer/);
  });

  it('denies after the timeout and aborts the question', async () => {
    let aborted = false;
    const never: AskPermission = (_req, signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true)));
    const decision = await decidePermission(request, options(never, { timeoutMs: 20 }));
    expect(decision.denial?.reason).toBe('no answer within 0.0 s (APPROVAL_TIMEOUT_SECONDS)');
    expect(aborted).toBe(true);
  });

  it('denies when the callback fails, with its words', async () => {
    const decision = await decidePermission(request, options(async () => Promise.reject(new Error('client went away'))));
    expect(decision.denial?.reason).toBe('asking the user failed (client went away)');
  });

  it('denies when the turn is cancelled while waiting', async () => {
    const turn = new AbortController();
    const pending = decidePermission(request, options((_req, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stop')))), { signal: turn.signal }));
    turn.abort();
    expect((await pending).denial?.reason).toBe('the turn was cancelled while waiting for an answer');
  });

  it('says when a file tool reaches outside the workspace', async () => {
    const seen: string[] = [];
    const ask: AskPermission = async (req) => (seen.push(req.reason), { allow: false });
    await decidePermission({ subtype: 'can_use_tool', tool_name: 'Write', input: { file_path: '/etc/hosts', content: '' } }, options(ask));
    await decidePermission({ subtype: 'can_use_tool', tool_name: 'Read', input: { file_path: '/ws/inst_1/a.txt' } }, options(ask));
    await decidePermission({ subtype: 'can_use_tool', tool_name: 'Bash', input: { command: 'cat x' }, blocked_path: '/ws/other' }, options(ask));
    expect(seen).toEqual([
      "Write would reach /etc/hosts, outside the instance's workspace",
      "the instance's permission policy (acceptEdits) asks before Read",
      "Bash would reach /ws/other, outside the instance's workspace",
    ]);
  });
});
