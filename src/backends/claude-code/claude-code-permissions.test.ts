import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeCodeKit, lastToolResult, turnSignal } from '../../test-support/claude-code-kit.js';
import { TestBudget } from '../../test-support/test-budget.js';
import type { AskPermission, PermissionRequest } from '../backend.js';

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const turn = (message: string) => ({ history: [], message });

/** A shell command the default policy can't settle (it runs code), which leaves a trace when it runs. */
const shellCommand = (workspace: string) => `BASH /bin/sh -c 'echo ran > ${join(workspace, 'shell-ran.txt')}'`;

describe('claude-code permissions: what the policy leaves open is asked, and never hangs', () => {
  it('runs the tool when the callback allows it, and the callback is told what and why', async () => {
    const spec = kit.spec();
    const session = await kit.backend().start(spec);
    const asked: PermissionRequest[] = [];
    const askPermission: AskPermission = async (request) => {
      asked.push(request);
      return { allow: true };
    };
    const result = await session.turn(turn(shellCommand(spec.workspace)), { signal: turnSignal(), calls: new TestBudget(), askPermission });
    expect(asked).toMatchObject([{ tool: 'Bash', input: { command: expect.stringContaining('echo ran') }, reason: expect.stringContaining('acceptEdits') }]);
    expect(existsSync(join(spec.workspace, 'shell-ran.txt'))).toBe(true);
    expect(result.permissionDenials).toEqual([]);
    expect(result.changedFiles).toEqual(['shell-ran.txt']);
    await session.terminate?.();
  });

  it("doesn't run the tool when the callback refuses; the result and the agent both say why", async () => {
    const spec = kit.spec();
    const session = await kit.backend().start(spec);
    const result = await session.turn(turn(shellCommand(spec.workspace)), { signal: turnSignal(), calls: new TestBudget(), askPermission: async () => ({ allow: false, message: 'not today' }) });
    expect(existsSync(join(spec.workspace, 'shell-ran.txt'))).toBe(false);
    expect(result.permissionDenials).toMatchObject([{ tool: 'Bash', reason: 'the user refused (not today)' }]);
    expect(result.toolCalls).toMatchObject([{ name: 'Bash', isError: true }]);
    expect(lastToolResult(kit.sim.requests.at(-1)?.body as never)).toContain('the user refused (not today)');
    await session.terminate?.();
  });

  it('denies at once when nobody can answer, and the turn completes', async () => {
    const spec = kit.spec();
    const session = await kit.backend().start(spec);
    const result = await session.turn(turn(shellCommand(spec.workspace)), { signal: turnSignal(), calls: new TestBudget() });
    expect(existsSync(join(spec.workspace, 'shell-ran.txt'))).toBe(false);
    expect(result.permissionDenials).toMatchObject([{ tool: 'Bash', reason: expect.stringContaining('nobody can answer') }]);
    expect(result.stopReason).toBe('end_turn');
    await session.terminate?.();
  });

  it('denies when no answer comes in time, and tells the callback to stop waiting', async () => {
    const spec = kit.spec();
    const session = await kit.backend({ timings: { permissionTimeoutMs: 300 } }).start(spec);
    let stopped = false;
    const never: AskPermission = (_request, signal) =>
      new Promise(() => {
        signal.addEventListener('abort', () => {
          stopped = true;
        });
      });
    const result = await session.turn(turn(shellCommand(spec.workspace)), { signal: turnSignal(), calls: new TestBudget(), askPermission: never });
    expect(result.permissionDenials).toMatchObject([{ tool: 'Bash', reason: 'no answer within 0.3 s (APPROVAL_TIMEOUT_SECONDS)' }]);
    expect(stopped).toBe(true);
    expect(existsSync(join(spec.workspace, 'shell-ran.txt'))).toBe(false);
    await session.terminate?.();
  });

  it('asks before a write outside the workspace, while edits inside it need no question', async () => {
    const spec = kit.spec();
    const outside = join(kit.workspaceDir, `outside-${spec.instanceId}.txt`);
    const session = await kit.backend().start(spec);
    const asked: PermissionRequest[] = [];
    const result = await session.turn(turn(`WRITE ${outside} x`), {
      signal: turnSignal(),
      calls: new TestBudget(),
      askPermission: async (request) => {
        asked.push(request);
        return { allow: false };
      },
    });
    expect(asked).toMatchObject([{ tool: 'Write', reason: expect.stringContaining(`outside the instance's workspace`) }]);
    expect(existsSync(outside)).toBe(false);
    expect(result.permissionDenials).toHaveLength(1);
    await session.terminate?.();
  });

  it('follows the instance policy: allowed rules need no question, disallowed tools are refused even in acceptEdits', async () => {
    const spec = kit.spec({ options: { permissions: { mode: 'acceptEdits', allowed_tools: ['Bash(/bin/sh -c:*)'], disallowed_tools: ['Write'] } } });
    const session = await kit.backend().start(spec);
    const asked: PermissionRequest[] = [];
    const askPermission: AskPermission = async (request) => {
      asked.push(request);
      return { allow: true };
    };
    await session.turn(turn(shellCommand(spec.workspace)), { signal: turnSignal(), calls: new TestBudget(), askPermission });
    expect(existsSync(join(spec.workspace, 'shell-ran.txt'))).toBe(true);
    const write = await session.turn(turn(`WRITE ${join(spec.workspace, 'w.txt')} x`), { signal: turnSignal(), calls: new TestBudget(), askPermission });
    expect(existsSync(join(spec.workspace, 'w.txt'))).toBe(false);
    expect(write.toolCalls).toMatchObject([{ name: 'Write', isError: true }]);
    expect(asked).toEqual([]);
    await session.terminate?.();
  });
});
