import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';
import { ensureSafeWorkspaceBase } from './workspace-base.js';

// Attempts to reach outside WORKSPACE_DIR through the running server: hostile names and ids, and links
// planted inside workspaces the way a model with a shell could plant them.
let root: string;
let base: string;
let outside: string;
let stack: Stack;
let client: Client;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ws-escape-')));
  base = join(root, 'claude_orchestrator');
  outside = join(root, 'claude_orchestrator-evil');
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'must survive');
  stack = await startStack({ workspaceDir: base, maxInstances: 20 });
  client = await connectClient(stack.url);
});
afterAll(async () => {
  await client.close();
  await stack.close();
});

type Spawned = { instance_id: string; workspace: string };
async function spawn(args: Record<string, unknown>): Promise<Spawned> {
  const result = await client.callTool({ name: 'spawn_claude', arguments: args });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as Spawned;
}
const terminate = (id: string) => client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });

describe('workspaces stay inside WORKSPACE_DIR', () => {
  it.each(['../../etc', '/tmp/claude_orchestrator-evil', '..', 'a/../../b', '~root', '%2e%2e%2f'])('a spawn named %j gets a directory named by its id, inside the base', async (name) => {
    const spawned = await spawn({ name });
    expect(dirname(spawned.workspace)).toBe(base);
    expect(spawned.workspace).toMatch(/\/inst_[0-9a-f]{32}$/);
    expect(realpathSync(spawned.workspace)).toBe(spawned.workspace);
    await terminate(spawned.instance_id);
    expect(existsSync(spawned.workspace)).toBe(false);
  });

  it.each(['../claude_orchestrator-evil', '/etc/passwd', `${'../'.repeat(10)}tmp`, '.', ''])('an instance id of %j names nothing and touches nothing', async (id) => {
    for (const tool of ['get_instance_status', 'terminate_instance', 'get_instance_output', 'send_to_instance']) {
      const result = await client.callTool({ name: tool, arguments: { instance_id: id, message: 'x' } });
      expect(result.isError).toBe(true);
    }
    const spawnChild = await client.callTool({ name: 'spawn_claude', arguments: { name: 'child', parent_id: id } });
    expect(spawnChild.isError).toBe(true);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });

  it('terminating removes the workspace but never follows a link planted inside it', async () => {
    const spawned = await spawn({ name: 'planter' });
    symlinkSync(outside, join(spawned.workspace, 'escape'));
    symlinkSync(join(outside, 'keep.txt'), join(spawned.workspace, 'file-link'));
    await terminate(spawned.instance_id);
    expect(existsSync(spawned.workspace)).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });

  it('terminating an instance whose workspace was swapped for a link removes the link, not its target', async () => {
    const spawned = await spawn({ name: 'swapper' });
    rmSync(spawned.workspace, { recursive: true });
    symlinkSync(outside, spawned.workspace);
    await terminate(spawned.instance_id);
    expect(existsSync(spawned.workspace)).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });
});

describe('WORKSPACE_DIR squatting', () => {
  it('creates a missing base with mode 700', async () => {
    const dir = join(root, 'fresh', 'nested');
    await ensureSafeWorkspaceBase(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it('refuses a base another user could write or redirect, and the server refuses to start on it', async () => {
    const open = join(root, 'world-writable');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(ensureSafeWorkspaceBase(open)).rejects.toThrow(/writable by other users/);

    const link = join(root, 'link-base');
    symlinkSync(outside, link);
    await expect(ensureSafeWorkspaceBase(link)).rejects.toThrow(/is a symlink/);

    // The server refuses to start on such a base: its store and every workspace would live there.
    await expect(startStack({ workspaceDir: open })).rejects.toThrow(/writable by other users/);
  });
});
