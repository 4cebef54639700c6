import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { startSimulator, type ReplyRule, type RunningSimulator } from '../../src/simulator/simulator.js';
import { bareEnv, BIN } from '../../src/test-support/bin.js';
import { connectClient } from '../../src/test-support/http.js';
import { startStallProxy, type StallProxy } from './stall-proxy.js';

export interface E2eServer {
  readonly url: string;
  readonly token: string;
  readonly sim: RunningSimulator;
  /** Between the server and the simulator: holds the answer to STREAM_MESSAGE mid-stream until released. */
  readonly stall: StallProxy;
  readonly child: ChildProcess;
  /** A real MCP client over Streamable HTTP, with the token. */
  mcp(): Promise<Client>;
  /** A REST call with the bearer token; the parsed JSON body. */
  rest(method: string, path: string, body?: unknown): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** The message the simulator answers only after ten minutes: a send of it comes back as a task handle. */
export const SLOW_MESSAGE = 'take your time';

/** The message whose answer streams in part and then waits (the stall proxy) until the test releases it. */
export const STREAM_MESSAGE = 'write it out slowly';
/** The simulator's answer to it: long enough that its first deltas are only a part. */
export const STREAM_REPLY = `Here is the plan, step by step. ${Array.from({ length: 40 }, (_, i) => `Step ${i + 1} is done.`).join(' ')} That is all.`;

/** The bin under test: the built dist/cli.js, or E2E_BIN (a copy, an installed package's). */
const bin = process.env['E2E_BIN'] ? resolve(process.env['E2E_BIN']) : BIN;

/** The built bin (`serve`) with a token, in front of the bundled simulator: what a user runs, offline. `script` and `env` add to the simulator's rules and the server's environment. */
export async function startE2eServer(token: string, extra: { readonly script?: readonly ReplyRule[]; readonly env?: Readonly<Record<string, string>> } = {}): Promise<E2eServer> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm run test:e2e builds first).`);
  const sim = await startSimulator({
    script: [
      { match: { lastUser: SLOW_MESSAGE }, reply: 'finally done', latencyMs: 10 * 60_000 },
      { match: { lastUser: STREAM_MESSAGE }, reply: STREAM_REPLY },
      ...(extra.script ?? []),
    ],
  });
  const stall = await startStallProxy(sim.url, STREAM_MESSAGE);
  const env = bareEnv({
    ANTHROPIC_API_KEY: 'sim-key',
    ANTHROPIC_BASE_URL: stall.url,
    ORCHESTRATOR_TOKEN: token,
    WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'e2e-ws-')),
    LOG_LEVEL: 'info',
    // A turn still running at the end (the screenshot's) is cancelled at once rather than waited for.
    SHUTDOWN_GRACE_SECONDS: '0',
    ...extra.env,
  });
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd: tmpdir(), env, stdio: ['ignore', 'ignore', 'pipe'] });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match?.[1]) ok(match[1]);
    });
    child.once('exit', (code) => fail(new Error(`the server exited ${code}: ${stderr}`)));
  }).catch(async (error: unknown) => {
    await stall.close();
    await sim.close();
    throw error;
  });
  const clients: Client[] = [];
  return {
    url,
    token,
    sim,
    stall,
    child,
    async mcp() {
      const client = await connectClient(url, { token, name: 'e2e' });
      clients.push(client);
      return client;
    },
    async rest(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, any>;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      child.kill('SIGTERM');
      await exited;
      process.off('exit', reap);
      await stall.close();
      await sim.close();
    },
  };
}
