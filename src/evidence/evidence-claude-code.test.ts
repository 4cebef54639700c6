import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../test-support/stack.js';
import { NO_ACTION_REASON } from './verify.js';

// The real server, the real Claude Code CLI from node_modules and the simulator's own triggers (no script):
// "create <file> containing <text>" (Write), "run the command: <cmd>" (Bash), "reply only: <text>" (no tool).
let stack: Stack;
let client: Client;
beforeAll(async () => {
  // Claude Code turns carry its own ~15k-token prompt on every model call: give the agents room.
  stack = await startStack({ workspaceDir: mkdtempSync(join(tmpdir(), 'cc-evidence-')), maxTokensPerInstance: 1_000_000 });
  client = new Client({ name: 'evidence-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
});
afterAll(async () => {
  await client.close();
  await stack.close();
});

type S = Record<string, any>;

/** A tool call that must succeed; the client has already checked the result against the tool's outputSchema. */
async function ok(name: string, args: S): Promise<S> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as S;
}

async function agent(name: string, extra: S = {}): Promise<{ id: string; workspace: string }> {
  const spawned = await ok('spawn_claude', { name, backend: 'claude-code', role: 'backend_developer', ...extra });
  return { id: spawned['instance_id'] as string, workspace: spawned['workspace'] as string };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('evidence of a claude-code turn, from its tool events and the workspace', () => {
  it('lists the file the agent wrote with its size and the sha256 of what is on disk, and verifies the turn by it', async () => {
    const { id, workspace } = await agent('writer');
    const result = await ok('send_to_instance', { instance_id: id, message: 'create hello.txt containing evidence, not claims' });
    const onDisk = join(workspace, 'hello.txt');
    expect(result['evidence']).toMatchObject({
      tool_calls: { Write: 1 },
      files: [{ path: 'hello.txt', bytes: readFileSync(onDisk).length, sha256: sha256(onDisk) }],
      commands: [],
      model_calls: result['model_calls'],
      tokens: result['usage']['total_tokens'],
    });
    expect(result['evidence']['model_calls']).toBeGreaterThanOrEqual(2);
    expect(result['verification']).toEqual({ status: 'verified', reason: '1 file changed' });
    expect(result['warnings'].join(' ')).not.toMatch(/Unverified/);
  });

  it('marks an agent asked to build something that answers "Done!" with no tool call unverified, and says why', async () => {
    const { id } = await agent('claimer');
    const result = await ok('send_to_instance', { instance_id: id, message: 'Build a complete todo app with tests.\nreply only: Done!' });
    expect(result['reply']).toBe('Done!');
    expect(result['evidence']).toMatchObject({ tool_calls: {}, files: [], commands: [], model_calls: 1 });
    expect(result['verification']).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
    expect(result['warnings']).toContain(`Unverified: ${NO_ACTION_REASON}.`);

    // REST carries the same result.
    const response = await fetch(`${stack.url}/tools/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tool: 'send_to_instance', arguments: { instance_id: id, message: 'Now deploy it.\nreply only: Deployed!' } }),
    });
    expect(response.status).toBe(200);
    const rest = ((await response.json()) as { structuredContent: S }).structuredContent;
    expect(rest['reply']).toBe('Deployed!');
    expect(rest['verification']).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
    expect(rest['evidence']).toMatchObject({ tool_calls: {}, files: [], commands: [] });
  });

  it("records each command with the exit code the CLI reported: 0 verifies, a failure alone does not", async () => {
    const { id } = await agent('shell', { permissions: { allowed_tools: ['Bash'] } });
    const fine = await ok('send_to_instance', { instance_id: id, message: 'run the command: echo fine' });
    expect(fine['evidence']).toMatchObject({ tool_calls: { Bash: 1 }, commands: [{ command: 'echo fine', exit_code: 0 }] });
    expect(fine['verification']).toEqual({ status: 'verified', reason: '1 command exited 0' });

    const failed = await ok('send_to_instance', { instance_id: id, message: 'run the command: echo broken; exit 3' });
    expect(failed['evidence']['commands']).toEqual([{ command: 'echo broken; exit 3', exit_code: 3 }]);
    expect(failed['verification']).toEqual({ status: 'unverified', reason: 'every command failed (exit 3) and no file changed' });
  });

  it('sums a parallel run per participant and for the run, and its summary names the unverified one', async () => {
    const writer = await agent('Ana');
    // Write refused by policy: the agent cannot do the work, whatever it answers.
    const blocked = await agent('Bo', { permissions: { disallowed_tools: ['Write'] } });
    const chat = (await ok('spawn_claude', { name: 'Cy', role: 'architect' }))['instance_id'] as string;
    const run = await ok('coordinate_instances', {
      coordination_type: 'parallel',
      participant_ids: [writer.id, blocked.id, chat],
      task_description: 'create notes.md containing the plan',
    });
    expect(run['success']).toBe(true);
    const evidence = run['evidence'] as S;
    expect(evidence).toMatchObject({ files: 1, verified: 1, unverified: 1 });
    expect(evidence['tool_calls']['Write']).toBeGreaterThanOrEqual(1);
    const by = (id: string) => (evidence['participants'] as S[]).find((p) => p['instance_id'] === id) as S;
    expect(by(writer.id)).toMatchObject({ name: 'Ana', files: 1, tool_calls: { Write: 1 }, verification: 'verified' });
    expect(by(blocked.id)).toMatchObject({ name: 'Bo', files: 0, verification: 'unverified' });
    // A plain api conversation is text: no flag either way.
    expect(by(chat)).toMatchObject({ name: 'Cy', verification: null, model_calls: 1 });
    const sum = (field: string) => (evidence['participants'] as S[]).reduce((total, p) => total + (p[field] as number), 0);
    expect(evidence['model_calls']).toBe(sum('model_calls'));
    expect(evidence['tokens']).toBe(sum('tokens'));
    expect(evidence['tokens']).toBe(run['usage']['total_tokens']);
    expect(run['summary']).toMatch(/Unverified: Bo \(backend_developer\)/);
    // Each participant's own result carries its turn's evidence.
    const results = run['results'] as S[];
    const mine = results.find((r) => r['instance_id'] === writer.id) as S;
    expect(mine['evidence']['files'][0]).toMatchObject({ path: 'notes.md', sha256: sha256(join(writer.workspace, 'notes.md')) });
    expect(mine['verification']['status']).toBe('verified');
    expect(results.find((r) => r['instance_id'] === chat)?.['verification']).toBeUndefined();
  });
});
