import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from './support/browser.js';
import { SLOW_MESSAGE, startE2eServer, STREAM_MESSAGE, STREAM_REPLY, type E2eServer } from './support/server.js';

// The README's picture is refreshed only on request (UPDATE_SCREENSHOT=1); a plain run leaves the tracked file alone.
const SCREENSHOT =
  process.env['UPDATE_SCREENSHOT'] === '1'
    ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'dashboard.png')
    : join(process.env['E2E_ARTIFACTS'] ?? join(tmpdir(), 'claude-orchestrator-e2e'), 'dashboard.png');
// Generous: a slow machine waits longer, it never fails for being slow.
const WAIT = { timeout: 60_000 };

let server: E2eServer;
let browser: Browser;
let mcp: Client;
const pages: Page[] = [];
/** Instances the running test spawned: ended after it, so every test starts from the same place (MAX_INSTANCES). */
const spawned: string[] = [];

beforeAll(async () => {
  server = await startE2eServer(randomBytes(32).toString('hex'));
  browser = await launchBrowser();
  mcp = await server.mcp();
});

afterEach(async () => {
  await Promise.allSettled(pages.splice(0).map((p) => p.close()));
  for (const id of spawned.splice(0)) await server.rest('DELETE', `/instances/${id}`).catch(() => undefined);
});

afterAll(async () => {
  server?.stall.release();
  await browser?.close();
  await server?.close();
});

/** A new tab on the dashboard, signed in (through the form, unless the browser already holds a session). */
async function openDashboard(): Promise<Page> {
  const page = await browser.context.newPage();
  pages.push(page);
  // The page's confirm() before terminate and cancel: a user clicking OK.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(server.url);
  await page.locator('form[action="/login"], #conn').first().waitFor(WAIT);
  if (await page.locator('form[action="/login"]').count()) {
    await page.fill('#token', server.token);
    await page.click('button[type="submit"]');
  }
  await page.locator('#conn[data-state="live"]').waitFor(WAIT);
  return page;
}

/** A tool call through the MCP client; its structured result (throws on a tool error). */
async function tool(name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const result = await mcp.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}

async function spawn(name: string, role = 'general', extra: Record<string, unknown> = {}): Promise<string> {
  const id = (await tool('spawn_claude', { name, role, ...extra }))['instance_id'] as string;
  spawned.push(id);
  return id;
}
const row = (page: Page, id: string) => page.locator(`tr[data-id="${id}"]`);

/** Selects an instance in the table and waits for its panel. */
async function select(page: Page, id: string, name: string): Promise<void> {
  await row(page, id).click();
  await page.locator('#detail h2', { hasText: name }).waitFor(WAIT);
}

describe('the dashboard in a real browser', () => {
  it('shows a login form when a token is set; a wrong token is refused, the right one opens the dashboard; sign-out ends it', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    pages.push(page);
    await page.goto(server.url);
    await page.locator('form[action="/login"]').waitFor(WAIT);
    await page.fill('#token', 'not-the-token');
    await page.click('button[type="submit"]');
    await page.getByText('That token is not valid for this server.').waitFor(WAIT);
    await page.fill('#token', server.token);
    await page.click('button[type="submit"]');
    await page.locator('#conn[data-state="live"]').waitFor(WAIT);
    await page.locator('[data-testid="empty"], [data-testid="instances"]').first().waitFor(WAIT);
    // The session is a cookie the page's script cannot read.
    expect(await page.evaluate('document.cookie')).toBe('');
    const [cookie] = await browser.context.cookies(server.url);
    // Signing out (a POST with the dashboard's CSRF header) shows the form again, and the old cookie is dead.
    await page.click('form.signout button');
    await page.locator('form[action="/login"]').waitFor(WAIT);
    const reused = await fetch(`${server.url}/instances`, { headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    expect(reused.status).toBe(401);
  });

  it('instances spawned through MCP appear without a reload, children under their parent', async () => {
    const page = await openDashboard();
    const lead = await spawn('Ana', 'architect');
    await row(page, lead).waitFor(WAIT);
    const child = await spawn('Ben', 'backend_developer', { parent_id: lead });
    await row(page, child).waitFor(WAIT);
    const order = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as { getAttribute(name: string): string | null }).getAttribute('data-id')));
    expect(order.indexOf(child)).toBe(order.indexOf(lead) + 1);
    expect(await row(page, child).locator('.tree').innerText()).toBe('└');
    expect(await row(page, lead).innerText()).toMatch(/architect[\s\S]*idle/);
  });

  it("shows a selected instance's conversation: a send made after the page opened shows its reply", async () => {
    const page = await openDashboard();
    const id = await spawn('Cleo', 'frontend_developer');
    await select(page, id, 'Cleo');
    const sent = await tool('send_to_instance', { instance_id: id, message: 'Sketch the settings page' });
    const conversation = page.locator('[data-testid="conversation"]');
    await conversation.locator('.msg[data-role="user"] .msg-body', { hasText: 'Sketch the settings page' }).waitFor(WAIT);
    const stored = conversation.locator('.msg[data-role="assistant"][data-seq]');
    await stored.waitFor(WAIT);
    expect((await stored.locator('.msg-body').innerText()).trim()).toBe(String(sent['reply']).trim());
    // Tokens with separators and cost with four decimals, in the row.
    await row(page, id).locator('td.num', { hasText: /^\$\d+\.\d{4}/ }).first().waitFor(WAIT);
  });

  it('streams a reply into the page while the turn runs, then shows the stored reply in its place', async () => {
    const page = await openDashboard();
    const id = await spawn('Gus', 'documentation_writer');
    await select(page, id, 'Gus');
    const handle = await tool('send_to_instance', { instance_id: id, message: STREAM_MESSAGE, wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    // The simulator's answer is held mid-stream by the proxy: the turn cannot settle until it is released.
    await server.stall.holding;
    const streaming = page.locator('[data-testid="streaming"] .msg-body', { hasText: /\S/ });
    await streaming.waitFor(WAIT);
    const partial = (await streaming.textContent()) ?? '';
    expect(STREAM_REPLY.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(STREAM_REPLY.length);
    expect(await page.locator('[data-testid="conversation"] .msg[data-role="assistant"][data-seq]').count()).toBe(0);
    expect((await server.rest('GET', `/instances/${id}`))['state']).toBe('busy');
    server.stall.release();
    const stored = page.locator('[data-testid="conversation"] .msg[data-role="assistant"][data-seq]');
    await stored.waitFor(WAIT);
    expect(await stored.locator('.msg-body').textContent()).toBe(STREAM_REPLY);
    await page.locator('[data-testid="streaming"]').waitFor({ state: 'detached', ...WAIT });
  });

  it("keeps the reader's place: another instance's events leave the conversation, its scroll and the focused row alone", async () => {
    const page = await openDashboard();
    const reader = await spawn('Lea', 'code_reviewer');
    for (const n of [1, 2, 3, 4, 5]) await tool('send_to_instance', { instance_id: reader, message: `Review part ${n} of the checkout flow` });
    await select(page, reader, 'Lea');
    const box = '#detail [data-testid="conversation"]';
    await page.locator(`${box} .msg[data-seq="10"]`).waitFor(WAIT);
    // Scrolled up to the start, the first message marked (a redraw would lose the mark), the row focused.
    const scrollable = await page.evaluate(`(() => { const b = document.querySelector('${box}'); b.scrollTop = 0; b.querySelector('.msg').dataset.mark = 'kept'; document.querySelector('tr[data-id="${reader}"]').focus(); return b.scrollHeight > b.clientHeight; })()`);
    expect(scrollable).toBe(true);
    const other = await spawn('Max');
    await tool('send_to_instance', { instance_id: other, message: 'Say something' });
    await row(page, other).locator('td.num', { hasText: /^1$/ }).waitFor(WAIT); // the page took in the other turn
    // And a new message of its own while the reader is scrolled up: it is added, the view stays put.
    await tool('send_to_instance', { instance_id: reader, message: 'One more thing' });
    await page.locator(`${box} .msg[data-seq="12"]`).waitFor(WAIT);
    const after = await page.evaluate(`(() => { const b = document.querySelector('${box}'); return { top: b.scrollTop, mark: b.querySelector('.msg').dataset.mark ?? null, focused: document.activeElement?.getAttribute('data-id') ?? null }; })()`);
    expect(after).toEqual({ top: 0, mark: 'kept', focused: reader });
  });

  it('a malformed #fragment (#%) selects nothing and the page still works', async () => {
    const page = await openDashboard();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#%`);
    await page.locator('#conn[data-state="live"]').waitFor(WAIT);
    const id = await spawn('Nia');
    await row(page, id).waitFor(WAIT);
    await select(page, id, 'Nia');
    expect(errors).toEqual([]);
  });

  it('a terminate from the page (button, confirm) ends the instance', async () => {
    const page = await openDashboard();
    const id = await spawn('Dora', 'testing_specialist');
    await select(page, id, 'Dora');
    await page.locator('#detail [data-testid="terminate"]').click();
    await row(page, id).waitFor({ state: 'detached', ...WAIT });
    expect((await server.rest('GET', `/instances/${id}`))['state']).toBe('terminated');
  });

  it('a cancelled task shows as cancelled: a long send cancelled from the page', async () => {
    const page = await openDashboard();
    const id = await spawn('Eli');
    const handle = await tool('send_to_instance', { instance_id: id, message: SLOW_MESSAGE, wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    const task = `[data-task="${handle['task_id']}"]`;
    await page.locator(`${task}[data-state="working"]`).waitFor(WAIT);
    // Queried right before the click: a card is redrawn when its task makes progress.
    await page.locator(`${task} [data-testid="cancel"]`).click();
    await page.locator(`${task}[data-state="cancelled"]`).waitFor(WAIT);
    expect(await page.locator(`${task} .badge`).first().innerText()).toBe('cancelled');
    expect((await server.rest('GET', `/tasks/${handle['task_id']}`))['state']).toBe('cancelled');
  });

  it('a task cancelled through the tool shows as cancelled too', async () => {
    const page = await openDashboard();
    const id = await spawn('Fay');
    const handle = await tool('send_to_instance', { instance_id: id, message: SLOW_MESSAGE, wait_seconds: 0 });
    await page.locator(`[data-task="${handle['task_id']}"]`).waitFor(WAIT);
    await tool('cancel_task', { task_id: handle['task_id'] });
    await page.locator(`[data-task="${handle['task_id']}"][data-state="cancelled"]`).waitFor(WAIT);
  });

  it("shows a coordination with each participant's progress, and takes the screenshot", async () => {
    const page = await openDashboard();
    const lead = await spawn('Hana', 'architect');
    const backend = await spawn('Ivo', 'backend_developer', { parent_id: lead });
    const frontend = await spawn('Jo', 'frontend_developer', { parent_id: lead });
    const busy = await spawn('Kai', 'testing_specialist');
    const result = await tool('coordinate_instances', {
      coordinator_id: lead,
      participant_ids: [backend, frontend],
      task_description: 'Plan a small REST API for a reading list',
      coordination_type: 'hierarchical',
    });
    expect(result['success']).toBe(true);
    const card = page.locator('.task[data-state="completed"]', { hasText: 'hierarchical' }).filter({ hasText: 'Ivo' });
    await card.first().waitFor(WAIT);
    expect(await card.first().locator('.chip').count()).toBe(3);
    // A turn running while the picture is taken.
    await tool('send_to_instance', { instance_id: busy, message: SLOW_MESSAGE, wait_seconds: 0 });
    await row(page, busy).locator('.badge[data-state="busy"]').waitFor(WAIT);
    await select(page, lead, 'Hana');
    await page.locator('#detail .msg[data-seq]').first().waitFor(WAIT);
    await page.locator('#toast.show').waitFor({ state: 'detached', ...WAIT });
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
  });
});
