import { mkdtempSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { NO_ACTION_REASON } from './verify.js';

// The real server and the real Claude Code CLI against the simulator; then a second server on the same store.
type S = Record<string, any>;
let sim: RunningSimulator;
let config: Config;
beforeAll(async () => {
  sim = await startSimulator();
  const workspaceDir = mkdtempSync(join(tmpdir(), 'cc-evidence-stored-'));
  config = loadConfig({}, {}, { port: 0, host: '127.0.0.1', apiKey: 'sim-key', baseUrl: sim.url, workspaceDir, maxTokensPerInstance: 1_000_000 });
});
afterAll(async () => {
  await sim.close();
});

async function connect(server: RunningServer): Promise<Client> {
  const client = new Client({ name: 'evidence-stored-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url as string}/mcp`)));
  return client;
}

async function ok(client: Client, name: string, args: S): Promise<S> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as S;
}

describe("a turn's evidence is stored with it", () => {
  it('get_instance_output and REST show each claude-code turn with its evidence and verification, after a restart on the same store', async () => {
    const first = await startServer({ config, logger: silentLogger() });
    const client = await connect(first);
    const spawned = await ok(client, 'spawn_claude', { name: 'writer', backend: 'claude-code', role: 'backend_developer', keep_workspace: true });
    const id = spawned['instance_id'] as string;
    const wrote = await ok(client, 'send_to_instance', { instance_id: id, message: 'create proof.txt containing kept with the turn' });
    const claimed = await ok(client, 'send_to_instance', { instance_id: id, message: 'Build the rest.\nreply only: Done!' });
    const onDisk = readFileSync(join(spawned['workspace'] as string, 'proof.txt'));
    await client.close();
    await first.close();

    const second = await startServer({ config, logger: silentLogger() });
    try {
      const again = await connect(second);
      // The client checked the result against get_instance_output's outputSchema.
      const output = await ok(again, 'get_instance_output', { instance_id: id });
      await again.close();
      const messages = output['messages'] as S[];
      expect(messages.map((m) => m['role'])).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(messages[0]).not.toHaveProperty('evidence');
      expect(messages[0]).not.toHaveProperty('verification');
      expect(messages[1]?.['evidence']).toEqual(wrote['evidence']);
      expect(messages[1]?.['evidence']['files']).toEqual([
        expect.objectContaining({ path: 'proof.txt', bytes: onDisk.length, sha256: createHash('sha256').update(onDisk).digest('hex') }),
      ]);
      expect(messages[1]?.['verification']).toEqual({ status: 'verified', reason: '1 file changed' });
      expect(messages[3]?.['evidence']).toEqual(claimed['evidence']);
      expect(messages[3]?.['verification']).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });

      const rest = await fetch(`${second.url as string}/instances/${id}/output`);
      expect(rest.status).toBe(200);
      const body = (await rest.json()) as S;
      expect(body['messages'][3]['verification']).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
      expect(body['messages'][1]['evidence']).toEqual(wrote['evidence']);
    } finally {
      await second.close();
    }
  });

  it("a plain api conversation's turn is stored with its evidence and no verification", async () => {
    const server = await startServer({ config, logger: silentLogger() });
    try {
      const client = await connect(server);
      const id = (await ok(client, 'spawn_claude', { name: 'chat', role: 'architect' }))['instance_id'] as string;
      const sent = await ok(client, 'send_to_instance', { instance_id: id, message: 'hello' });
      const output = await ok(client, 'get_instance_output', { instance_id: id });
      await client.close();
      const reply = (output['messages'] as S[])[1] as S;
      expect(reply['evidence']).toEqual(sent['evidence']);
      expect(reply['evidence']).toMatchObject({ tool_calls: {}, files: [], commands: [], model_calls: 1 });
      expect(reply).not.toHaveProperty('verification');
    } finally {
      await server.close();
    }
  });
});
