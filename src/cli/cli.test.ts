import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, bareEnv, startBin } from '../test-support/bin.js';

const run = promisify(execFile);

describe('the claude-orchestrator bin', () => {
  it('prints help and version from any directory with a bare environment', async () => {
    const help = await run(process.execPath, [BIN, '--help'], { cwd: tmpdir(), env: bareEnv() });
    expect(help.stdout).toMatch(/Usage:/);
    const version = await run(process.execPath, [BIN, '--version'], { cwd: tmpdir(), env: bareEnv() });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with one clear line on a bad flag or setting', async () => {
    const bad = await run(process.execPath, [BIN, '--nope'], { env: bareEnv() }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/Unknown option --nope/);
    const port = await run(process.execPath, [BIN], { env: { ...bareEnv(), ORCHESTRATOR_PORT: 'abc' } }).catch((e: { code: number; stderr: string }) => e);
    expect((port as { stderr: string }).stderr).toMatch(/ORCHESTRATOR_PORT/);
  });

  it('serves HTTP without a key, answers /health, and exits 0 on SIGTERM', async () => {
    const server = startBin(['--port', '0', '--host', '127.0.0.1'], { ...bareEnv(), WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')) });
    const url = await server.url;
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', backends: { api: { configured: false } } });
    const spawn = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: 'spawn_claude', arguments: { name: 'x' } }) });
    expect(spawn.status).toBe(503);
    expect(JSON.stringify(await spawn.json())).toMatch(/ANTHROPIC_API_KEY/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/ANTHROPIC_API_KEY is not set/);
  });

  it('runs `demo` offline from a bare environment, saying so on its first line', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'demo-')), 'app');
    const { stdout } = await run(process.execPath, [BIN, 'demo', '--out', out], { cwd: tmpdir(), env: bareEnv() });
    expect(stdout.split('\n')[0]).toMatch(/^OFFLINE DEMO/);
    expect(stdout).toContain(join(out, 'web/index.html'));
  });

  it('runs the simulator command, which answers the Messages API', async () => {
    const sim = startBin(['simulator', '--port', '0'], bareEnv());
    const url = await sim.url;
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(((await res.json()) as { usage: { input_tokens: number } }).usage.input_tokens).toBeGreaterThan(0);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });
});
