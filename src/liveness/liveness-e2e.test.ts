import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript } from '../test-support/claude-code-kit.js';
import { startStack, type Stack } from '../test-support/stack.js';

/**
 * Liveness end to end: a real Claude Code agent runs a Bash command that prints for longer than the stall
 * limit (1 s here). It is never cut as stalled; meanwhile get_instance_status, list_instances and REST show
 * `running_tool` Bash with how long it has run, and the MCP progress notifications of the send say so.
 */

let stack: Stack;
let c: Client;
beforeAll(async () => {
  stack = await startStack({ workspaceDir: mkdtempSync(join(tmpdir(), 'liveness-')), maxTokensPerInstance: 1_000_000, stallTimeoutSeconds: 1 });
  stack.sim.setScript(agentScript());
  c = new Client({ name: 'liveness-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
});
afterAll(async () => {
  await c.close();
  await stack.close();
});

type S = Record<string, any>;

/** A command that prints until the test lets it end, by creating the gate file: it runs as long as the test needs. */
function slowCommand(gate: string): string {
  return `BASH /bin/sh -c 'while [ ! -f ${gate} ]; do echo tick; sleep 0.2; done; echo released'`;
}

async function tool(name: string, args: S): Promise<S> {
  const result = await c.callTool({ name, arguments: args });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as S;
}

describe('liveness: a slow tool with progress', () => {
  it('shows running_tool Bash in status, list, REST and progress notifications, and is never killed as stalled', async () => {
    const spawned = await tool('spawn_claude', { name: 'ticker', backend: 'claude-code', permissions: { allowed_tools: ['Bash(/bin/sh -c:*)'] } });
    const id = spawned['instance_id'] as string;
    expect((await tool('get_instance_status', { instance_id: id }))['activity']).toMatchObject({ state: 'idle', last_activity_at: expect.any(String) });

    const gate = join(mkdtempSync(join(tmpdir(), 'liveness-gate-')), 'gate');
    const progress: string[] = [];
    const sending = c.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: slowCommand(gate) } }, { onprogress: (p) => progress.push(p.message ?? ''), resetTimeoutOnProgress: true, timeout: 120_000 });

    await expect.poll(async () => (await tool('get_instance_status', { instance_id: id }))['activity']?.['state'], { timeout: 60_000, interval: 100 }).toBe('running_tool');
    // Well past the 1 s stall limit, the tool still runs and shows so.
    await expect.poll(async () => (await tool('get_instance_status', { instance_id: id }))['activity']?.['seconds'], { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    const status = (await tool('get_instance_status', { instance_id: id }))['activity'] as S;
    expect(status).toMatchObject({ state: 'running_tool', tool: 'Bash' });
    expect(Number.isNaN(Date.parse(status['last_activity_at'] as string))).toBe(false);
    const listed = ((await tool('list_instances', {}))['instances'] as S[]).find((i) => i['instance_id'] === id);
    expect(listed?.['activity']).toMatchObject({ state: 'running_tool', tool: 'Bash' });
    const rest = (await (await fetch(`${stack.url}/instances/${id}`)).json()) as S;
    expect(rest['activity']).toMatchObject({ state: 'running_tool', tool: 'Bash', last_activity_at: expect.any(String) });
    await expect.poll(() => progress.some((m) => /running_tool Bash \(\d+s\)/.test(m)), { timeout: 30_000 }).toBe(true);
    writeFileSync(gate, '');

    const result = await sending;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const reply = (result.structuredContent as S)['reply'] as string;
    // The command ran to its end: nothing was cut while it printed for longer than the stall limit.
    expect(reply).toContain('released');
    expect(stack.sim.requests.some((r) => r.fault !== undefined)).toBe(false);
    expect((await tool('get_instance_status', { instance_id: id }))['activity']).toMatchObject({ state: 'idle' });
    await tool('terminate_instance', { instance_id: id });
  });

  it('shows waiting_for_approval, with the tool, while a permission ask waits in the queue', async () => {
    const id = (await tool('spawn_claude', { name: 'asker', backend: 'claude-code' }))['instance_id'] as string;
    // This client declares no elicitation: the agent's Bash ask waits in the approvals queue.
    const handle = await tool('send_to_instance', { instance_id: id, message: "BASH /bin/sh -c 'echo asked'", wait_seconds: 0 });
    await expect.poll(async () => (await tool('get_instance_status', { instance_id: id }))['activity']?.['state'], { timeout: 60_000, interval: 100 }).toBe('waiting_for_approval');
    expect((await tool('get_instance_status', { instance_id: id }))['activity']).toMatchObject({ state: 'waiting_for_approval', tool: 'Bash' });
    const pending = ((await tool('answer_approval', {}))['approvals'] as S[]).find((a) => a['instance_id'] === id);
    await tool('answer_approval', { approval_id: pending?.['approval_id'], decision: 'allow_once' });
    const done = await tool('get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect((await tool('get_instance_status', { instance_id: id }))['activity']).toMatchObject({ state: 'idle' });
    await tool('terminate_instance', { instance_id: id });
  });
});

