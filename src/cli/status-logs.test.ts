import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { BIN, bareEnv, startBin, type RunningBin } from '../test-support/bin.js';

const run = promisify(execFile);
const TOKEN = 'cli-test-token-0123456789abcdefghijklmnop';

interface Failed {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin to its end; a failure is returned (with its exit code), not thrown. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: bareEnv(env) }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: Failed) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('status and logs against a running server (the real bin, on the simulator)', () => {
  let sim: RunningSimulator;
  let server: RunningBin;
  let url: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  async function tool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: auth, body: JSON.stringify({ tool: name, arguments: args }) });
    const body = (await res.json()) as { structuredContent: Record<string, unknown> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.structuredContent;
  }

  beforeAll(async () => {
    sim = await startSimulator();
    const env = { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: 'sim', ORCHESTRATOR_TOKEN: TOKEN, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')) };
    server = startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv(env));
    url = await server.url;
  });

  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await sim.close();
  });

  it('status shows the spawned instances as a tree, with totals; --json has every field', async () => {
    const lead = await tool('spawn_claude', { name: 'status lead', allow_delegation: true });
    const child = await tool('spawn_claude', { name: 'status child', role: 'frontend_developer', parent_id: lead.instance_id });
    await tool('send_to_instance', { instance_id: lead.instance_id, message: 'Plan the work' });

    const table = await cli(['status', '--url', url], { ORCHESTRATOR_TOKEN: TOKEN });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +ROLE +STATE +ACTIVITY +BACKEND +MODEL +TOKENS +COST +TURNS +HEALTH$/);
    const leadLine = lines.find((l) => l.includes('status lead')) ?? '';
    expect(leadLine).toContain(String(lead.instance_id).slice(0, 13));
    expect(leadLine).toMatch(/general +idle +idle +api +claude-sonnet-5-5 +[\d,]+ +\$[\d.]+ +1 +100$/);
    expect(lines.indexOf(leadLine)).toBeLessThan(lines.findIndex((l) => l.includes('└─ status child')));
    expect(table.stdout).toMatch(/^Totals: \d+ live of \d+ instances · [\d,]+ tokens · \$[\d.]+ of \$100\.00 budget/m);

    const json = await cli(['status', '--json', '--url', url, '--token', TOKEN]);
    const parsed = JSON.parse(json.stdout) as { instances: Array<{ instance_id: string; parent_id: string | null }>; totals: { instances_live: number } };
    expect(parsed.instances).toContainEqual(expect.objectContaining({ instance_id: child.instance_id, parent_id: lead.instance_id }));
    expect(parsed.totals.instances_live).toBeGreaterThanOrEqual(2);
  });

  it('says what is missing: no token, a wrong token, no server, a bad --url', async () => {
    const noToken = await cli(['status', '--url', url]);
    expect(noToken).toMatchObject({ code: 1, stderr: `claude-orchestrator: ${url} needs ORCHESTRATOR_TOKEN: set it (or pass --token) to the server's token.\n` });
    const wrong = await cli(['status', '--url', url], { ORCHESTRATOR_TOKEN: 'x'.repeat(40) });
    expect(wrong.stderr).toMatch(/refused the token/);
    const closed = await startSimulator();
    const nobody = closed.url;
    await closed.close();
    const none = await cli(['status', '--url', nobody]);
    expect(none).toMatchObject({ code: 1, stderr: `claude-orchestrator: No server at ${nobody}: start one with \`npm start\` or pass --url\n` });
    const defaultUrl = await cli(['status'], { ORCHESTRATOR_PORT: new URL(nobody).port, ORCHESTRATOR_HOST: '127.0.0.1' });
    expect(defaultUrl.stderr).toContain(`No server at http://127.0.0.1:${new URL(nobody).port}`);
    expect(await cli(['status', '--url', 'localhost'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--url takes an http\(s\) URL/) });
  });

  it('logs prints the conversation with per-turn usage; an unknown id gets the server`s not_found message', async () => {
    const one = await tool('spawn_claude', { name: 'logs reader' });
    await tool('send_to_instance', { instance_id: one.instance_id, message: 'Name three rivers' });
    const out = await cli(['logs', String(one.instance_id), '--url', url], { ORCHESTRATOR_TOKEN: TOKEN });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^\d\d:\d\d:\d\d user\n {4}Name three rivers\n/);
    expect(out.stdout).toMatch(/^\d\d:\d\d:\d\d assistant {2}[\d,]+ tokens \(\d+ in, \d+ out\) · \$[\d.]+ · [\d.]+ s · claude-sonnet-5-5\n {4}\S/m);
    // status shows short ids: logs takes one.
    const short = await cli(['logs', String(one.instance_id).slice(0, 13), '--json', '--url', url], { ORCHESTRATOR_TOKEN: TOKEN });
    expect(short.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { role: string }).role)).toEqual(['user', 'assistant']);

    const missing = await cli(['logs', 'inst_00000000000000000000000000000000', '--url', url], { ORCHESTRATOR_TOKEN: TOKEN });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^claude-orchestrator: Instance not found: "inst_0{32}"/);
  });

  it('logs --follow prints a reply sent after it started and ends when the instance is terminated', async () => {
    const one = await tool('spawn_claude', { name: 'followed' });
    const id = String(one.instance_id);
    await tool('send_to_instance', { instance_id: id, message: 'first message' });
    const follower = spawn(process.execPath, [BIN, 'logs', id, '--follow', '--url', url], { cwd: tmpdir(), env: bareEnv({ ORCHESTRATOR_TOKEN: TOKEN }) });
    let stdout = '';
    follower.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.once('exit', resolve));
    try {
      // It has started: what was there before it shows.
      await vi.waitFor(() => expect(stdout).toContain('first message'), { timeout: 30_000, interval: 50 });
      await tool('send_to_instance', { instance_id: id, message: 'a later message' });
      await vi.waitFor(() => expect(stdout).toMatch(/assistant[^\n]*\n[^\n]*a later message/), { timeout: 30_000, interval: 50 });
      expect((await fetch(`${url}/instances/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
      expect(await exited).toBe(0);
      expect(stdout).toMatch(new RegExp(`-- ${id} terminated: requested\\n$`));
    } finally {
      follower.kill();
    }
  });

  it('a busy port says so in one line and exits 1, without a stack trace', async () => {
    const port = new URL(url).port;
    const second = await cli(['--port', port, '--host', '127.0.0.1'], { WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')), LOG_LEVEL: 'error' });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`claude-orchestrator: port ${port} is in use: pass --port N or stop the other server\n`);
  });
});

describe('the bin names bad input', () => {
  it('a bad flag or variable value names it and what it takes (exit 2)', async () => {
    expect(await cli(['--port', 'abc'])).toMatchObject({ code: 2, stderr: 'claude-orchestrator: --port takes an integer from 0 to 65535, got "abc".\n' });
    expect(await cli([], { ORCHESTRATOR_PORT: 'abc' })).toMatchObject({ code: 2, stderr: 'claude-orchestrator: ORCHESTRATOR_PORT takes an integer from 0 to 65535, got "abc".\n' });
    expect(await cli(['--log-format', 'xml'])).toMatchObject({ code: 2, stderr: 'claude-orchestrator: --log-format takes one of auto, pretty, json, got "xml".\n' });
    expect(await cli(['simulator', '--port', '-1'])).toMatchObject({ code: 2, stderr: 'claude-orchestrator: --port takes an integer from 0 to 65535, got "-1".\n' });
    expect(await cli(['logs', 'x', '--tail', 'many'])).toMatchObject({ code: 2, stderr: 'claude-orchestrator: --tail takes an integer of 0 or more, got "many".\n' });
  });

  it('an unknown command is called a command, with the nearest one (exit 2)', async () => {
    expect(await cli(['stauts'])).toMatchObject({
      code: 2,
      stderr: 'claude-orchestrator: Unknown command "stauts". Did you mean "status"? Commands: serve, status, logs, simulator, demo, help.\n',
    });
  });

  it('--help fits 80 columns; help lists the topics; help <topic> shows one; an unknown topic names them', async () => {
    const help = await cli(['--help']);
    for (const line of help.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect((await cli(['help'])).stdout).toMatch(/^ {2}settings +every setting/m);
    expect((await cli(['help', 'settings'])).stdout).toMatch(/^ {2}--port N +ORCHESTRATOR_PORT$/m);
    expect((await cli(['logs', '--help'])).stdout).toMatch(/^claude-orchestrator logs <instance>/);
    expect(await cli(['help', 'nope'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown help topic "nope"\. Topics: settings, tools, http, status, logs, logging, simulator, demo, examples\./) });
  });
});
