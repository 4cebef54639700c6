import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, BIN } from '../test-support/bin.js';
import { agentScript } from '../test-support/claude-code-kit.js';

/**
 * A claude-code agent's permission ask reaching an MCP client over stdio: the built bin as a client starts
 * it, the real Claude Code CLI under it, the simulator as the model.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
  sim.setScript(agentScript());
});
afterAll(async () => {
  await sim.close();
});

type S = Record<string, any>;

async function stdioClient(answer?: (message: string) => { action: 'accept' | 'decline'; content?: { decision: string } }) {
  const asked: string[] = [];
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--stdio'],
    cwd: mkdtempSync(join(tmpdir(), 'client-cwd-')),
    // Claude Code turns carry its own ~15k-token prompt on every model call: give the agents room.
    env: bareEnv({ ANTHROPIC_API_KEY: 'sim-key', ANTHROPIC_BASE_URL: sim.url, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'cc-stdio-')), MAX_TOKENS_PER_INSTANCE: '1000000', APPROVAL_TIMEOUT_SECONDS: '2' }),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'stdio-elicit', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) {
    client.setRequestHandler('elicitation/create', async (request) => {
      const message = String((request.params as { message?: unknown }).message ?? '');
      asked.push(message);
      return answer(message);
    });
  }
  await client.connect(transport);
  return { client, asked, stderr };
}

async function spawnAgent(client: Client): Promise<string> {
  const spawned = await client.callTool({ name: 'spawn_claude', arguments: { name: 'agent', backend: 'claude-code', role: 'backend_developer' } });
  expect(spawned.isError, JSON.stringify(spawned.content)).toBeFalsy();
  return (spawned.structuredContent as S)['instance_id'] as string;
}

describe('claude-code permission asks through elicitation over stdio', () => {
  it('asks the stdio client, and the command runs when the user allows it', async () => {
    const { client, asked, stderr } = await stdioClient(() => ({ action: 'accept', content: { decision: 'allow_once' } }));
    try {
      const id = await spawnAgent(client);
      const result = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo allowed-over-stdio'" } });
      expect(result.isError, `${JSON.stringify(result.content)}\n${stderr.join('')}`).toBeFalsy();
      const out = result.structuredContent as S;
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/Bash/);
      expect(out['reply']).toMatch(/allowed-over-stdio/);
      expect(out['permission_denials']).toBeUndefined();
      await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    } finally {
      await client.close();
    }
  });

  it('does not run the command when the stdio user declines, and says why', async () => {
    const { client, asked } = await stdioClient(() => ({ action: 'decline' }));
    try {
      const id = await spawnAgent(client);
      const out = (await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo never-runs'" } })).structuredContent as S;
      expect(asked).toHaveLength(1);
      expect(out['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: expect.stringMatching(/decline/) });
      expect(out['reply']).not.toMatch(/^done: .*never-runs/);
      await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    } finally {
      await client.close();
    }
  });

  it('denies the ask at the bound, without hanging, when the stdio client has no elicitation and nobody answers the queue', async () => {
    const { client } = await stdioClient();
    try {
      const id = await spawnAgent(client);
      const out = (await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: "BASH /bin/sh -c 'echo nobody-asked'" } })).structuredContent as S;
      expect(out['permission_denials']?.[0]).toMatchObject({ tool: 'Bash', reason: expect.stringMatching(/no answer within 2\.0 s \(APPROVAL_TIMEOUT_SECONDS\)/) });
      expect(out['state']).toBe('idle');
      await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    } finally {
      await client.close();
    }
  });
});
