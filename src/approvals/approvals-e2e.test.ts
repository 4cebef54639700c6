import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStatus } from '../cli/status.js';
import type { ReplyRule } from '../simulator/simulator.js';
import { agentScript, lastToolResult } from '../test-support/claude-code-kit.js';
import { startStack, type Stack } from '../test-support/stack.js';

/**
 * Permission asks from any depth, end to end: the real server, the real Claude Code CLI as a grandchild
 * (root → child → grandchild, spawned with parent_id), the simulator as its model making it call Bash.
 */

type S = Record<string, any>;
const BOUND = { timeout: 60_000, interval: 50 };

let stack: Stack;
/** A second server whose asks wait 1.5 s: the bound is reached without slowing the other tests. */
let quick: Stack;
beforeAll(async () => {
  // Claude Code turns carry its own ~15k-token prompt on every model call: give the agents room.
  [stack, quick] = await Promise.all([
    startStack({ workspaceDir: mkdtempSync(join(tmpdir(), 'approvals-')), maxTokensPerInstance: 1_000_000, approvalTimeoutSeconds: 120 }),
    startStack({ workspaceDir: mkdtempSync(join(tmpdir(), 'approvals-quick-')), maxTokensPerInstance: 1_000_000, approvalTimeoutSeconds: 1.5 }),
  ]);
  stack.sim.setScript(agentScript());
  quick.sim.setScript(agentScript());
});
afterAll(async () => {
  await Promise.all([stack?.close(), quick?.close()]);
});

interface Asked {
  readonly message: string;
  readonly schema: S;
}

async function client(on: Stack, answer?: (message: string) => { action: 'accept' | 'decline'; content?: { decision: string } }): Promise<{ c: Client; asked: Asked[] }> {
  const asked: Asked[] = [];
  const c = new Client({ name: 'approvals-test', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) {
    c.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { message?: unknown; requestedSchema?: S };
      const message = String(params.message ?? '');
      asked.push({ message, schema: params.requestedSchema ?? {} });
      return answer(message);
    });
  }
  await c.connect(new StreamableHTTPClientTransport(new URL(`${on.url}/mcp`)));
  return { c, asked };
}

async function call(c: Client, name: string, args: S): Promise<S> {
  const result = await c.callTool({ name, arguments: args });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as S;
}

/** A tool error: its code and message (the SDK's own input check answers in text alone). */
async function callError(c: Client, name: string, args: S): Promise<S> {
  const result = await c.callTool({ name, arguments: args });
  expect(result.isError).toBe(true);
  return ((result.structuredContent as S | undefined)?.['error'] as S | undefined) ?? { message: (result.content as Array<{ text?: string }>)[0]?.text };
}

/** root (api) → child (api) → grandchild (claude-code): the grandchild's id and workspace, and the three ids. */
async function family(c: Client): Promise<{ ids: string[]; workspace: string }> {
  const root = await call(c, 'spawn_claude', { name: 'lead', role: 'architect' });
  const child = await call(c, 'spawn_claude', { name: 'planner', role: 'general', parent_id: root['instance_id'] });
  const grandchild = await call(c, 'spawn_claude', { name: 'coder', backend: 'claude-code', role: 'backend_developer', parent_id: child['instance_id'] });
  return { ids: [root['instance_id'], child['instance_id'], grandchild['instance_id']], workspace: grandchild['workspace'] as string };
}

const pathOf = (ids: string[]) => `lead (${ids[0]}) → planner (${ids[1]}) → coder (${ids[2]})`;

describe('permission asks from any depth', () => {
  it("reaches an elicitation client with the grandchild's agent path and three answers; allow for this instance lets the next Bash run unasked", async () => {
    const { c, asked } = await client(stack, () => ({ action: 'accept', content: { decision: 'allow_instance' } }));
    const { ids } = await family(c);
    const grandchild = ids[2] as string;
    const first = await call(c, 'send_to_instance', { instance_id: grandchild, message: "BASH /bin/sh -c 'echo first-run'" });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toContain(`${pathOf(ids)} asks to use Bash`);
    expect(asked[0]?.message).toContain('first-run');
    expect(asked[0]?.schema['properties']['decision']['oneOf'].map((o: S) => o['const'])).toEqual(['allow_once', 'allow_instance', 'deny']);
    expect(first['reply']).toMatch(/first-run/);

    const second = await call(c, 'send_to_instance', { instance_id: grandchild, message: "BASH /bin/sh -c 'echo second-run'" });
    expect(second['reply']).toMatch(/second-run/);
    expect(second['permission_denials']).toBeUndefined();
    expect(asked).toHaveLength(1);
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });

  it("asks the root's client when the grandchild's turn was started by its parent's delegation, not by a client", async () => {
    const { c, asked } = await client(stack, () => ({ action: 'accept', content: { decision: 'allow_once' } }));
    const root = await call(c, 'spawn_claude', { name: 'lead', role: 'architect', allow_delegation: true, system_prompt: 'ROOT-MARK' });
    const child = await call(c, 'spawn_claude', { name: 'planner', role: 'general', allow_delegation: true, system_prompt: 'CHILD-MARK', parent_id: root['instance_id'] });
    const grandchild = await call(c, 'spawn_claude', { name: 'coder', backend: 'claude-code', role: 'backend_developer', parent_id: child['instance_id'] });
    const ids = [root['instance_id'], child['instance_id'], grandchild['instance_id']];
    const relay = (marker: string, to: string, message: string): ReplyRule => ({
      match: { tool: 'message_instance', system: marker },
      reply: (request) => {
        const result = lastToolResult(request);
        return result === undefined ? { content: [{ type: 'tool_use', name: 'message_instance', input: { instance_id: to, message } }] } : `relayed: ${result}`;
      },
    });
    stack.sim.setScript(agentScript([relay('ROOT-MARK', ids[1], 'pass it on'), relay('CHILD-MARK', ids[2], "BASH /bin/sh -c 'echo via-delegation'")]));
    try {
      const result = await call(c, 'send_to_instance', { instance_id: ids[0], message: 'get it done' });
      expect(asked).toHaveLength(1);
      expect(asked[0]?.message).toContain(`${pathOf(ids)} asks to use Bash`);
      expect(result['reply']).toMatch(/via-delegation/);
    } finally {
      stack.sim.setScript(agentScript());
    }
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });

  it('without elicitation the ask waits in the queue, is answered through answer_approval, and the command runs', async () => {
    const { c } = await client(stack);
    const { ids, workspace } = await family(c);
    const grandchild = ids[2] as string;
    const handle = await call(c, 'send_to_instance', { instance_id: grandchild, message: "BASH /bin/sh -c 'touch made-by-bash.txt'", wait_seconds: 0 });
    expect(handle['state']).toBe('working');

    const pending = await vi.waitFor(async () => {
      const status = await call(c, 'get_instance_status', { instance_id: grandchild });
      expect(status['pending_approvals']).toHaveLength(1);
      // Liveness hears the ask (approval.waiting): the agent is waiting for approval, of Bash.
      expect(status['activity']).toMatchObject({ state: 'waiting_for_approval', tool: 'Bash' });
      return status['pending_approvals'][0] as S;
    }, BOUND);
    expect(pending).toMatchObject({ instance_id: grandchild, agent_path: pathOf(ids), tool: 'Bash', input: { command: "/bin/sh -c 'touch made-by-bash.txt'" }, state: 'pending' });
    expect((await call(c, 'answer_approval', {}))['approvals'].map((a: S) => a['approval_id'])).toEqual([pending['approval_id']]);
    expect(existsSync(join(workspace, 'made-by-bash.txt'))).toBe(false);

    const answered = await call(c, 'answer_approval', { approval_id: pending['approval_id'], decision: 'allow_once' });
    expect(answered['approval']).toMatchObject({ approval_id: pending['approval_id'], state: 'settled', decision: 'allow_once' });
    const done = await call(c, 'get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect(done['result']['permission_denials']).toBeUndefined();
    expect(existsSync(join(workspace, 'made-by-bash.txt'))).toBe(true);
    expect((await call(c, 'get_instance_status', { instance_id: grandchild }))['pending_approvals']).toBeUndefined();

    // Bad answers get clear errors, and change nothing.
    expect(await callError(c, 'answer_approval', { approval_id: pending['approval_id'], decision: 'deny' })).toMatchObject({ code: 'invalid_state', message: expect.stringMatching(/already settled .*allow_once/) });
    expect(await callError(c, 'answer_approval', { approval_id: 'appr_nope', decision: 'deny' })).toMatchObject({ code: 'not_found', message: expect.stringMatching(/No approval appr_nope/) });
    expect(await callError(c, 'answer_approval', { approval_id: pending['approval_id'], decision: 'always' })).toMatchObject({ message: expect.stringMatching(/decision: Invalid option: expected one of "allow_once"\|"allow_instance"\|"deny"/) });
    expect(await callError(c, 'answer_approval', { approval_id: pending['approval_id'] })).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/decision is required/) });
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });

  it('answers over REST too: GET /approvals lists, POST /approvals/{id} decides; bad input gets 400, 404 or 409', async () => {
    const { c } = await client(stack);
    const { ids, workspace } = await family(c);
    const handle = await call(c, 'send_to_instance', { instance_id: ids[2], message: "BASH /bin/sh -c 'touch never-made.txt'", wait_seconds: 0 });
    const post = (id: string, body: unknown) =>
      fetch(`${stack.url}/approvals/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const listed = await vi.waitFor(async () => {
      const body = (await (await fetch(`${stack.url}/approvals`)).json()) as S;
      expect(body['approvals']).toHaveLength(1);
      return body['approvals'][0] as S;
    }, BOUND);
    expect(listed['agent_path']).toBe(pathOf(ids));
    // `status` shows it on a line of its own.
    let printed = '';
    await runStatus({ url: stack.url }, {}, (text) => (printed += text));
    expect(printed.split('\n').find((l) => l.includes(listed['approval_id']))).toContain(`Bash  ${pathOf(ids)}  {"command":"/bin/sh -c 'touch never-made.txt'"`);

    const bad = await post(listed['approval_id'], { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as S)['error']['message']).toMatch(/decision/);
    expect((await post(listed['approval_id'], {})).status).toBe(400);
    expect((await post('appr_unknown', { decision: 'deny' })).status).toBe(404);
    const denied = await post(listed['approval_id'], { decision: 'deny' });
    expect(denied.status).toBe(200);
    expect(((await denied.json()) as S)['approval']).toMatchObject({ decision: 'deny', settled_reason: 'denied by the user' });
    expect((await post(listed['approval_id'], { decision: 'allow_once' })).status).toBe(409);

    const done = await call(c, 'get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['result']['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: expect.stringMatching(/denied by the user/) });
    expect(existsSync(join(workspace, 'never-made.txt'))).toBe(false);
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });

  it('a cancelled turn takes its pending ask out of the queue', async () => {
    const { c } = await client(stack);
    const { ids } = await family(c);
    const handle = await call(c, 'send_to_instance', { instance_id: ids[2], message: "BASH /bin/sh -c 'echo cancelled'", wait_seconds: 0 });
    await vi.waitFor(async () => expect((await call(c, 'get_instance_status', { instance_id: ids[2] }))['pending_approvals']).toHaveLength(1), BOUND);
    await call(c, 'cancel_task', { task_id: handle['task_id'] });
    await vi.waitFor(async () => expect((await call(c, 'answer_approval', {}))['approvals']).toEqual([]), BOUND);
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });

  it('unanswered, the ask is denied at APPROVAL_TIMEOUT_SECONDS with the reason, and the turn completes', async () => {
    const { c } = await client(quick);
    const { ids, workspace } = await family(c);
    const result = await call(c, 'send_to_instance', { instance_id: ids[2], message: "BASH /bin/sh -c 'touch too-late.txt'" });
    expect(result['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: 'no answer within 1.5 s (APPROVAL_TIMEOUT_SECONDS)' });
    expect(result['state']).toBe('idle');
    expect(existsSync(join(workspace, 'too-late.txt'))).toBe(false);
    expect((await call(c, 'answer_approval', {}))['approvals']).toEqual([]);
    await call(c, 'terminate_instance', { instance_id: ids[0] });
    await c.close();
  });
});
