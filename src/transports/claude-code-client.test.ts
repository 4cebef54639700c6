import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CLI, claudeCliEnv } from '../test-support/claude-cli.js';
import { startStack, type Stack } from '../test-support/stack.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'dist', 'cli.js');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** The real Claude Code CLI, isolated in a temp HOME and pointed at the simulator: it never reaches the network. */
async function claude(home: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(CLAUDE_CLI, args, {
    cwd: home,
    timeout: 120_000,
    env: claudeCliEnv(home, stack.sim.url),
  });
  return stdout + stderr;
}

describe('a real MCP client: the Claude Code CLI', () => {
  it('adds the orchestrator over HTTP and over stdio, and sees both connected', async () => {
    const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
    const workspace = mkdtempSync(join(tmpdir(), 'orch-ws-'));
    await claude(home, ['mcp', 'add', '--scope', 'user', '--transport', 'http', 'orchestrator-http', `${stack.url}/mcp`]);
    // The name goes before -e: -e takes any number of values.
    await claude(home, [
      'mcp', 'add', 'orchestrator-stdio', '--scope', 'user',
      '-e', 'ANTHROPIC_API_KEY=sim-key', '-e', `ANTHROPIC_BASE_URL=${stack.sim.url}`, '-e', `WORKSPACE_DIR=${workspace}`,
      '--', process.execPath, BIN, '--stdio',
    ]);
    const listed = await claude(home, ['mcp', 'list']);
    expect(listed).toMatch(/orchestrator-http: .*\/mcp \(HTTP\) - [✓✔] Connected/);
    expect(listed).toMatch(/orchestrator-stdio: .*--stdio - [✓✔] Connected/);
  });
});
