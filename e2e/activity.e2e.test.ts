import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScript } from '../src/test-support/claude-code-kit.js';
import { launchBrowser, type Browser } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/server.js';

// Generous: a slow machine waits longer, it never fails for being slow.
const WAIT = { timeout: 60_000 };

let server: E2eServer;
let browser: Browser;
let mcp: Client;

beforeAll(async () => {
  // A real Claude Code agent, made by the simulator to run a Bash command that prints for longer than the stall limit.
  server = await startE2eServer(randomBytes(32).toString('hex'), { script: agentScript(), env: { MAX_TOKENS_PER_INSTANCE: '1000000', STALL_TIMEOUT_SECONDS: '1' } });
  browser = await launchBrowser();
  mcp = await server.mcp();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function tool(name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const result = await mcp.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}

describe('activity in the dashboard', () => {
  it('shows "running Bash" with its seconds in the instance tree while the tool runs, and nothing once idle', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.fill('#token', server.token);
    await page.click('button[type="submit"]');
    await page.locator('#conn[data-state="live"]').waitFor(WAIT);

    const agent = await tool('spawn_claude', { name: 'Ticker', backend: 'claude-code', permissions: { allowed_tools: ['Bash(/bin/sh -c:*)'] } });
    // It prints until the test creates the gate file: it runs as long as the test needs.
    const gate = join(mkdtempSync(join(tmpdir(), 'activity-gate-')), 'gate');
    const command = `BASH /bin/sh -c 'while [ ! -f ${gate} ]; do echo tick; sleep 0.2; done; echo released'`;
    const handle = await tool('send_to_instance', { instance_id: agent['instance_id'], message: command, wait_seconds: 0 });

    const badge = page.locator(`tr[data-id="${agent['instance_id']}"] [data-testid="activity"][data-activity="running_tool"]`);
    await badge.waitFor(WAIT);
    expect(await badge.innerText()).toMatch(/^running Bash \d+s$/);
    // Its seconds tick on the page, past the 1 s stall limit, and it is still running.
    await expect.poll(() => badge.innerText(), { ...WAIT, interval: 200 }).toMatch(/^running Bash ([3-9]|\d\d+)s$/);
    writeFileSync(gate, '');

    const done = await tool('get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect(done['result']['reply']).toContain('released');
    await page.locator(`tr[data-id="${agent['instance_id']}"] [data-testid="activity"][data-activity="running_tool"]`).waitFor({ state: 'detached', ...WAIT });
    await tool('terminate_instance', { instance_id: agent['instance_id'] });
    await page.close();
  });
});
