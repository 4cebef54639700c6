import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from './support/browser.js';
import { SLOW_MESSAGE, startE2eServer, type E2eServer } from './support/server.js';

const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'dashboard.png');
// Generous: a slow machine waits longer, it never fails for being slow.
const WAIT = { timeout: 60_000 };

let server: E2eServer;
let browser: Browser;
let page: Page;
let mcp: Client;

beforeAll(async () => {
  server = await startE2eServer(randomBytes(32).toString('hex'));
  browser = await launchBrowser();
  page = await browser.context.newPage();
  // The page's confirm() before terminate and cancel: a user clicking OK.
  page.on('dialog', (dialog) => void dialog.accept());
  mcp = await server.mcp();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A tool call through the MCP client; its structured result (throws on a tool error). */
async function tool(name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const result = await mcp.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}

const row = (id: string) => page.locator(`tr[data-id="${id}"]`);

describe('the dashboard in a real browser', () => {
  it('shows a login form when a token is set; a wrong token is refused, the right one opens the dashboard', async () => {
    await page.goto(server.url);
    await page.locator('form[action="/login"]').waitFor(WAIT);
    await page.fill('#token', 'not-the-token');
    await page.click('button[type="submit"]');
    await page.getByText('That token is not valid for this server.').waitFor(WAIT);
    await page.fill('#token', server.token);
    await page.click('button[type="submit"]');
    await page.locator('#conn[data-state="live"]').waitFor(WAIT);
    await page.locator('[data-testid="empty"]').waitFor(WAIT);
    expect(await page.locator('[data-testid="empty"]').innerText()).toContain('spawn_claude');
    // The session is a cookie the page's script cannot read.
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('instances spawned through MCP appear without a reload, children under their parent', async () => {
    const lead = await tool('spawn_claude', { name: 'Ana', role: 'architect' });
    await row(lead['instance_id']).waitFor(WAIT);
    const child = await tool('spawn_claude', { name: 'Ben', role: 'backend_developer', parent_id: lead['instance_id'] });
    await row(child['instance_id']).waitFor(WAIT);
    const order = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as { getAttribute(name: string): string | null }).getAttribute('data-id')));
    expect(order.indexOf(child['instance_id'])).toBe(order.indexOf(lead['instance_id']) + 1);
    expect(await row(child['instance_id']).locator('.tree').innerText()).toBe('└');
    expect(await row(lead['instance_id']).innerText()).toMatch(/architect[\s\S]*idle/);
  });

  it('streams a selected instance\'s conversation: a send made after the page opened shows its reply', async () => {
    const cleo = await tool('spawn_claude', { name: 'Cleo', role: 'frontend_developer' });
    const id = cleo['instance_id'] as string;
    await row(id).click();
    await page.locator('#detail h2', { hasText: 'Cleo' }).waitFor(WAIT);
    const sent = await tool('send_to_instance', { instance_id: id, message: 'Sketch the settings page' });
    const conversation = page.locator('[data-testid="conversation"]');
    await conversation.locator('.msg[data-role="user"] .msg-body', { hasText: 'Sketch the settings page' }).waitFor(WAIT);
    await conversation.locator('.msg[data-role="assistant"]').waitFor(WAIT);
    const shown = await conversation.locator('.msg[data-role="assistant"] .msg-body').innerText();
    expect(shown.trim()).toBe(String(sent['reply']).trim());
    // Tokens with separators and cost with four decimals, in the row.
    await row(id).locator('td.num', { hasText: /^\$\d+\.\d{4}/ }).first().waitFor(WAIT);
  });

  it('a terminate from the page (button, confirm) ends the instance', async () => {
    const doomed = await tool('spawn_claude', { name: 'Dora', role: 'testing_specialist' });
    const id = doomed['instance_id'] as string;
    await row(id).click();
    await page.locator('#detail h2', { hasText: 'Dora' }).waitFor(WAIT);
    await page.click('[data-testid="terminate"]');
    await row(id).waitFor({ state: 'detached', ...WAIT });
    expect((await server.rest('GET', `/instances/${id}`))['state']).toBe('terminated');
  });

  it('a cancelled task shows as cancelled: a long send cancelled from the page', async () => {
    const slow = await tool('spawn_claude', { name: 'Eli', role: 'general' });
    const handle = await tool('send_to_instance', { instance_id: slow['instance_id'], message: SLOW_MESSAGE, wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    const card = page.locator(`[data-task="${handle['task_id']}"]`);
    await page.locator(`[data-task="${handle['task_id']}"][data-state="working"]`).waitFor(WAIT);
    await card.locator('[data-testid="cancel"]').click();
    await page.locator(`[data-task="${handle['task_id']}"][data-state="cancelled"]`).waitFor(WAIT);
    expect(await card.locator('.badge').first().innerText()).toBe('cancelled');
    expect((await server.rest('GET', `/tasks/${handle['task_id']}`))['state']).toBe('cancelled');
  });

  it('a task cancelled through the tool shows as cancelled too', async () => {
    const slow = await tool('spawn_claude', { name: 'Fay', role: 'general' });
    const handle = await tool('send_to_instance', { instance_id: slow['instance_id'], message: SLOW_MESSAGE, wait_seconds: 0 });
    const card = page.locator(`[data-task="${handle['task_id']}"]`);
    await card.waitFor(WAIT);
    await tool('cancel_task', { task_id: handle['task_id'] });
    await page.locator(`[data-task="${handle['task_id']}"][data-state="cancelled"]`).waitFor(WAIT);
  });

  it('shows a coordination with each participant\'s progress, and writes the screenshot', async () => {
    const list = await server.rest('GET', '/instances');
    const ids = (list['instances'] as Array<{ instance_id: string; name: string }>).filter((i) => ['Ana', 'Ben', 'Cleo'].includes(i.name)).map((i) => i.instance_id);
    const ana = (list['instances'] as Array<{ instance_id: string; name: string }>).find((i) => i.name === 'Ana')?.instance_id as string;
    const result = await tool('coordinate_instances', {
      coordinator_id: ana,
      participant_ids: ids.filter((id) => id !== ana),
      task_description: 'Plan a small REST API for a reading list',
      coordination_type: 'hierarchical',
    });
    expect(result['success']).toBe(true);
    const card = page.locator('.task[data-state="completed"]', { hasText: 'hierarchical' });
    await card.waitFor(WAIT);
    await card.locator('.chip', { hasText: 'Ben' }).waitFor(WAIT);
    expect(await card.locator('.chip').count()).toBe(3);
    // A turn running while the picture is taken.
    const eli = (list['instances'] as Array<{ instance_id: string; name: string }>).find((i) => i.name === 'Eli')?.instance_id as string;
    await tool('send_to_instance', { instance_id: eli, message: SLOW_MESSAGE, wait_seconds: 0 });
    await row(eli).locator('.badge[data-state="busy"]').waitFor(WAIT);
    await row(ana).click();
    await page.locator('#detail .msg').first().waitFor(WAIT);
    await page.locator('#toast.show').waitFor({ state: 'detached', ...WAIT });
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
  });
});
