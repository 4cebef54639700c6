import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { BIN, bareEnv } from '../test-support/bin.js';

const run = promisify(execFile);

/**
 * A module hook that appends the URL of every module the process loads to $MODULE_TRACE: what a command
 * really loads, seen from outside, on the built (bundled) bin.
 */
function traceHook(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trace-'));
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) { appendFileSync(process.env.MODULE_TRACE, url + "\\n"); return next(url, context); }\n',
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
  return register;
}

/** What must not load before it is used: the Anthropic SDK, the agent backend, the simulator, the demo, the HTTP stack. */
const HEAVY = [/@anthropic-ai[/\\]sdk/, /[/\\]api-runtime-/, /[/\\]claude-code-backend-/, /[/\\]simulator-/, /[/\\]run-demo-/, /[/\\]http-server-/, /@modelcontextprotocol[/\\]node/];

function heavyIn(traceFile: string): string[] {
  const urls = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean);
  expect(urls.some((u) => u.endsWith('/dist/cli.js'))).toBe(true);
  return urls.filter((u) => HEAVY.some((pattern) => pattern.test(u)));
}

describe('lazy start', () => {
  it('--version and --help load none of the SDK, the agent backend, the simulator, the demo or the server', async () => {
    const hook = traceHook();
    for (const flag of ['--version', '--help']) {
      const trace = join(mkdtempSync(join(tmpdir(), 'trace-')), 'modules.txt');
      await run(process.execPath, ['--import', hook, BIN, flag], { cwd: tmpdir(), env: bareEnv({ MODULE_TRACE: trace }) });
      expect(heavyIn(trace)).toEqual([]);
      expect(readFileSync(trace, 'utf8')).not.toMatch(/[/\\]serve-|better-sqlite3/);
    }
  });

  it('a stdio server answers the handshake, lists its tools and spawns an instance without loading the SDK or the agent code', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'trace-')), 'modules.txt');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', traceHook(), BIN, '--stdio'],
      cwd: tmpdir(),
      env: bareEnv({ MODULE_TRACE: trace, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')), ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'lazy', version: '1' });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('spawn_claude');
    const spawned = await client.callTool({ name: 'spawn_claude', arguments: { name: 'idle one' } });
    expect(spawned.isError).toBeFalsy();
    await client.close();
    expect(heavyIn(trace)).toEqual([]);
  });
});
