import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { messageText } from '../test-support/message-text.js';
import { countInputTokens, countOutputTokens } from '../simulator/token-count.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('MCP over stdio, against the built bin', () => {
  it('runs from another directory with a bare environment and holds a two-turn conversation', async () => {
    const stderr: string[] = [];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--stdio'],
      // What an MCP client gives a server: its own cwd and only the variables it was told to pass.
      cwd: mkdtempSync(join(tmpdir(), 'client-cwd-')),
      env: {
        PATH: '/usr/bin:/bin',
        ANTHROPIC_API_KEY: 'sim-key',
        ANTHROPIC_BASE_URL: sim.url,
        WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'orch-ws-')),
        LOG_LEVEL: 'DEBUG',
      },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    sim.reset();

    const spawn = await client.callTool({ name: 'spawn_claude', arguments: { name: 'UI', role: 'frontend_developer' } });
    const id = (spawn.structuredContent as { instance_id: string }).instance_id;
    const one = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'first task' } });
    const two = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'second task' } });
    expect(one.isError).toBeFalsy();
    expect(two.isError).toBeFalsy();
    const body = sim.requests[1]?.body as { messages: Array<{ content: unknown }> };
    expect(body.messages.map(messageText)).toEqual(['first task', (one.structuredContent as { reply: string }).reply, 'second task']);
    const status = (await client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } })).structuredContent as {
      turns: number;
      usage: { total_tokens: number };
    };
    expect(status.turns).toBe(2);
    const usageOf = (r: typeof one) => (r.structuredContent as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(status.usage.total_tokens).toBe(usageOf(one) + usageOf(two));
    // Exactly the simulator's numbers: its own counting rule applied to what it was sent and what it replied.
    const firstReply = (one.structuredContent as { reply: string }).reply;
    expect((one.structuredContent as { usage: Record<string, number> }).usage).toMatchObject({
      input_tokens: countInputTokens(sim.requests[0]?.body as Parameters<typeof countInputTokens>[0]),
      output_tokens: countOutputTokens([{ type: 'text', text: firstReply }]),
    });
    const output = (await client.callTool({ name: 'get_instance_output', arguments: { instance_id: id } })).structuredContent as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(output.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'first task'],
      ['assistant', firstReply],
      ['user', 'second task'],
      ['assistant', (two.structuredContent as { reply: string }).reply],
    ]);
    await client.close();

    // Every log line is JSON on stderr (stdout carried only JSON-RPC, or the client would have failed), and
    // the API key never appears in any of them.
    const lines = stderr.join('').split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(stderr.join('')).not.toContain('sim-key');
    expect(stderr.join('')).toContain(id);
  });
});
