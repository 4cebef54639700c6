import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type Browser } from './browser.js';
import { startE2eServer, type E2eServer } from './server.js';

/** Generous: a slow machine waits longer, it never fails for being slow. */
export const WAIT = { timeout: 60_000 };

/** A server with a token, a browser and an MCP client for one spec file, started before its tests and closed after. */
export interface E2eSession {
  readonly server: E2eServer;
  readonly browser: Browser;
  readonly mcp: Client;
  /** Calls a tool over MCP; its structured result, or a throw with the error's text. */
  tool(name: string, args: Record<string, unknown>): Promise<Record<string, any>>;
  /** A new page, signed in with the token, its event stream live. */
  signedInPage(): Promise<Awaited<ReturnType<Browser['context']['newPage']>>>;
}

export function useE2eSession(options: Parameters<typeof startE2eServer>[1] = {}): E2eSession {
  let server: E2eServer | undefined;
  let browser: Browser | undefined;
  let mcp: Client | undefined;
  beforeAll(async () => {
    server = await startE2eServer(randomBytes(32).toString('hex'), options);
    browser = await launchBrowser();
    mcp = await server.mcp();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const session: E2eSession = {
    get server() {
      return server as E2eServer;
    },
    get browser() {
      return browser as Browser;
    },
    get mcp() {
      return mcp as Client;
    },
    async tool(name, args) {
      const result = await session.mcp.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as Record<string, any>;
    },
    async signedInPage() {
      const page = await session.browser.context.newPage();
      await page.goto(session.server.url);
      await page.fill('#token', session.server.token);
      await page.click('button[type="submit"]');
      await page.locator('#conn[data-state="live"]').waitFor(WAIT);
      return page;
    },
  };
  return session;
}
