import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
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
  // A Claude Code agent (the real CLI) whose model, the simulator, makes it call Bash; its calls carry ~15k tokens.
  server = await startE2eServer(randomBytes(32).toString('hex'), { script: agentScript(), env: { MAX_TOKENS_PER_INSTANCE: '1000000', APPROVAL_TIMEOUT_SECONDS: '120' } });
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

describe('approvals in the dashboard', () => {
  it("shows a child agent's pending permission ask with its agent path; Allow once lets the command run", async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.fill('#token', server.token);
    await page.click('button[type="submit"]');
    await page.locator('#conn[data-state="live"]').waitFor(WAIT);
    expect(await page.locator('#approvals-panel').isHidden()).toBe(true);

    const lead = (await tool('spawn_claude', { name: 'Lead', role: 'architect' }))['instance_id'] as string;
    const coder = await tool('spawn_claude', { name: 'Coder', backend: 'claude-code', role: 'backend_developer', parent_id: lead });
    // The e2e client declares no elicitation: the ask waits in the queue.
    const handle = await tool('send_to_instance', { instance_id: coder['instance_id'], message: "BASH /bin/sh -c 'touch from-the-dashboard.txt'", wait_seconds: 0 });

    const item = page.locator('#approvals li.approval');
    await item.waitFor(WAIT);
    expect(await item.innerText()).toContain(`Lead (${lead}) → Coder (${coder['instance_id']})`);
    expect(await item.innerText()).toContain('touch from-the-dashboard.txt');
    await item.getByRole('button', { name: 'Allow once' }).click();
    await page.locator('#approvals-panel').waitFor({ state: 'hidden', ...WAIT });

    const done = await tool('get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect(existsSync(join(coder['workspace'] as string, 'from-the-dashboard.txt'))).toBe(true);
    await tool('terminate_instance', { instance_id: lead });
    await page.close();
  });
});
