import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript } from '../test-support/claude-code-kit.js';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Claude Code turns carry its own ~15k-token prompt on every model call: give the agents room.
  stack = await startStack({ workspaceDir: mkdtempSync(join(tmpdir(), 'cc-elicit-')), maxTokensPerInstance: 1_000_000, approvalTimeoutSeconds: 2 });
  stack.sim.setScript(agentScript());
});
afterAll(async () => {
  await stack.close();
});

type S = Record<string, any>;

async function client(answer?: (message: string) => { action: 'accept' | 'decline'; content?: { decision: string } }): Promise<{ c: Client; asked: string[] }> {
  const asked: string[] = [];
  const c = new Client({ name: 'cc-test', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) {
    c.setRequestHandler('elicitation/create', async (request) => {
      const message = String((request.params as { message?: unknown }).message ?? '');
      asked.push(message);
      return answer(message);
    });
  }
  await c.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
  return { c, asked };
}

async function spawnAgent(c: Client): Promise<string> {
  const spawned = await c.callTool({ name: 'spawn_claude', arguments: { name: 'agent', backend: 'claude-code', role: 'backend_developer' } });
  expect(spawned.isError, JSON.stringify(spawned.content)).toBeFalsy();
  return (spawned.structuredContent as S)['instance_id'] as string;
}

describe('claude-code permission asks through MCP elicitation', () => {
  it('asks the connected client, and the command runs when the user allows it', async () => {
    const { c, asked } = await client(() => ({ action: 'accept', content: { decision: 'allow_once' } }));
    const id = await spawnAgent(c);
    const result = (await c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo allowed-by-user'" } })).structuredContent as S;
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/Bash/);
    expect(result['reply']).toMatch(/allowed-by-user/);
    expect(result['permission_denials']).toBeUndefined();
    await c.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    await c.close();
  });

  it('does not run the command when the user declines, and says why in the result', async () => {
    const { c, asked } = await client(() => ({ action: 'decline' }));
    const id = await spawnAgent(c);
    const result = (await c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo never-runs'" } })).structuredContent as S;
    expect(asked).toHaveLength(1);
    expect(result['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: expect.stringMatching(/decline/) });
    expect(result['reply']).not.toMatch(/^done: .*never-runs/);
    await c.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    await c.close();
  });

  it('asks the client for a turn running in the background, after the tool returned a task handle', async () => {
    const { c, asked } = await client(() => ({ action: 'accept', content: { decision: 'allow_once' } }));
    const id = await spawnAgent(c);
    const handle = (await c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo from-the-background'", wait_seconds: 0 } }))
      .structuredContent as S;
    expect(handle['state']).toBe('working');
    const done = (await c.callTool({ name: 'get_task', arguments: { task_id: handle['task_id'], wait_seconds: 120 } })).structuredContent as S;
    expect(done['state']).toBe('completed');
    expect(asked).toHaveLength(1);
    expect(done['result']['reply']).toMatch(/from-the-background/);
    await c.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    await c.close();
  });

  it('denies the ask at the bound, without hanging, when the client cannot answer and nobody answers the queue', async () => {
    const { c } = await client();
    const id = await spawnAgent(c);
    const result = (await c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo nobody-asked'" } })).structuredContent as S;
    expect(result['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: expect.stringMatching(/no answer within 2\.0 s \(APPROVAL_TIMEOUT_SECONDS\)/) });
    expect(result['state']).toBe('idle');
    await c.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    await c.close();
  });
});
