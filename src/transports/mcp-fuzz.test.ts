import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { BIN, bareEnv, startBin } from '../test-support/bin.js';
import { FuzzWorld } from '../test-support/fuzz-world.js';
import { processesUnder } from '../test-support/process-scan.js';
import { judge, protocolOutcome, type Outcome, type Verdict } from '../test-support/fuzz-outcome.js';
import { toolCase } from '../test-support/tool-arbitraries.js';
import { TOOLS } from '../tools/registry.js';

// Property: whatever a client sends as a tool call, through the built bin over Streamable HTTP and over
// stdio, on the SQLite store and the simulator, the server answers with a well-formed result or error that
// is never an internal error, never hangs, and keeps serving. The generators reach past validation (most
// calls are valid, on ids the server issued), so a good share of calls succeed and the deep paths run.
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);
/** The seed a failure printed, to replay the same sequence of calls (ids the server issues still differ). */
const SEED = process.env['FUZZ_SEED'] !== undefined ? { seed: Number(process.env['FUZZ_SEED']) } : {};
/** The HTTP lane sends one call in this many through REST (POST /tools/execute), to check its status codes. */
const REST_EVERY = 5;
const CALL_TIMEOUT_MS = 120_000;

let sim: RunningSimulator;
let repository: { root: string; sub: string };
beforeAll(async () => {
  sim = await startSimulator();
  repository = gitRepository();
});
afterAll(async () => {
  await sim.close();
});

/** A git repository with one commit, for claude-code spawns (a worktree per instance). */
function gitRepository(): { root: string; sub: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fuzz-repo-')));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'README.md'), '# fuzz\n');
  writeFileSync(join(root, 'src', 'app.ts'), 'export const answer = 42;\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=fuzz', '-c', 'user.email=fuzz@localhost', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('commit', '--quiet', '-m', 'initial');
  return { root, sub: join(root, 'src') };
}

function serverEnv(workspace: string): Record<string, string> {
  return bareEnv({
    WORKSPACE_DIR: workspace,
    ANTHROPIC_API_KEY: 'sim-key',
    ANTHROPIC_BASE_URL: sim.url,
    // The fuzz is about tool calls, not the HTTP rate limit (http-fuzz and the rate-limit tests cover that).
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_INSTANCES: '10',
    // Thousands of simulated turns must not exhaust the global budget half-way and turn every send into limit_exceeded.
    MAX_TOTAL_COST: '100000',
    // info: the HTTP server's address is an info line (startBin reads it).
    LOG_LEVEL: 'info',
  });
}

interface Lane {
  call(tool: string, args: unknown, index: number): Promise<Outcome>;
  readonly client: Client;
  /** The server's log lines at error level or above (a bug the server noticed itself, e.g. a result off its schema). */
  errorLogs(): string[];
  close(): Promise<void>;
}

const ERROR_LINE = /^\{"level":(50|60)\b/;

function errorLines(text: string): string[] {
  return text.split('\n').filter((line) => ERROR_LINE.test(line));
}

async function mcpCall(client: Client, tool: string, args: unknown): Promise<Outcome> {
  try {
    const result = await client.request({ method: 'tools/call', params: { name: tool, arguments: args as Record<string, unknown> } }, { timeout: CALL_TIMEOUT_MS });
    const text = result.content.map((b) => ('text' in b ? b.text : '')).join('\n');
    return { kind: 'result', isError: result.isError === true, structured: result.structuredContent as Record<string, unknown> | undefined, text };
  } catch (error) {
    return protocolOutcome(error);
  }
}

async function httpLane(workspace: string): Promise<Lane> {
  const bin = startBin(['--port', '0', '--host', '127.0.0.1'], serverEnv(workspace));
  const url = await bin.url;
  const client = new Client({ name: 'fuzz-http', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return {
    client,
    async call(tool, args, index) {
      if (index % REST_EVERY !== 0) return mcpCall(client, tool, args);
      const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
      return { kind: 'rest', status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    errorLogs: () => errorLines(bin.stderr()),
    async close() {
      await client.close();
      bin.child.kill('SIGTERM');
      expect(await bin.exited, bin.stderr().slice(-2_000)).toBe(0);
    },
  };
}

async function stdioLane(workspace: string): Promise<Lane> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--stdio'], cwd: tmpdir(), env: serverEnv(workspace), stderr: 'pipe' });
  // Read it all (a full pipe would stall the server), keeping the error lines.
  let partial = '';
  const errors: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    errors.push(...errorLines(lines.join('\n')));
  });
  const client = new Client({ name: 'fuzz-stdio', version: '1' });
  await client.connect(transport);
  return {
    client,
    call: (tool, args) => mcpCall(client, tool, args),
    errorLogs: () => errors,
    async close() {
      await client.close();
    },
  };
}

describe.concurrent.each([
  ['Streamable HTTP (and REST)', httpLane],
  ['stdio', stdioLane],
] as const)('tool calls fuzzed through the built bin over %s, on SQLite and the simulator', (_transport, open) => {
  it(`answers ${RUNS} calls, a third or more successfully, none with an internal error, and keeps serving`, { timeout: 600_000 }, async ({ expect }) => {
    const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'fuzz-ws-')));
    const lane = await open(workspace);
    // Rationed: each claude-code spawn starts the real Claude Code CLI, and so does each turn on it.
    const world = new FuzzWorld({ repository, agentSpawns: 4, liveAgents: 2, agentTurns: 8 });
    const counts: Record<Verdict, number> = { ok: 0, toolError: 0, protocolError: 0 };
    const succeeded = new Map<string, number>();
    const byIntent = { valid: { ok: 0, all: 0 }, spoiled: { ok: 0, all: 0 } };
    /** How calls ended: REST statuses, JSON-RPC codes, tool error codes. */
    const endings = new Map<string, number>();
    let agentTurns = 0;
    let index = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(toolCase, async (c) => {
        const call = world.prepare(c);
        const outcome = await lane.call(call.tool, call.args, index++);
        const judged = judge(outcome);
        if ('bug' in judged) throw new Error(`${judged.bug}\n  call: ${call.tool} ${JSON.stringify(call.args).slice(0, 1_000)}\n  outcome: ${JSON.stringify(outcome).slice(0, 2_000)}`);
        counts[judged.verdict]++;
        const toAgent = call.tool === 'send_to_instance' && world.backendOf((call.args as Record<string, unknown>)['instance_id']) === 'claude-code';
        const ending = `${toAgent ? 'claude-code send: ' : ''}${endingOf(outcome, judged.verdict)}`;
        endings.set(ending, (endings.get(ending) ?? 0) + 1);
        byIntent[call.intent].all++;
        if (judged.verdict === 'ok') {
          byIntent[call.intent].ok++;
          succeeded.set(call.tool, (succeeded.get(call.tool) ?? 0) + 1);
          if (toAgent) agentTurns++;
          const structured = outcome.kind === 'rest' ? (outcome.body['structuredContent'] as Record<string, unknown>) : outcome.kind === 'result' ? outcome.structured : undefined;
          world.remember(call.tool, structured ?? {});
        }
        // The simulator records every request; keep its log small.
        if (index % 500 === 0) sim.reset();
      }),
      // A stateful run against one server: shrinking would replay cases against a changed world, so the first failure is reported as is.
      { numRuns: RUNS, endOnFailure: true, ...SEED },
    );
    const seconds = (performance.now() - started) / 1000;

    // Every task the run saw ends (none is left working), and the server still answers everything.
    for (const taskId of world.taskIds) {
      await expect
        .poll(async () => ((await lane.call('get_task', { task_id: taskId, wait_seconds: 5 }, 1)) as Extract<Outcome, { kind: 'result' }>).structured?.['state'], { timeout: 60_000 })
        .not.toBe('working');
    }
    const listed = await lane.client.callTool({ name: 'list_instances', arguments: { include_terminated: true, limit: 500 } });
    expect(listed.isError).toBeFalsy();
    expect((await lane.client.listTools()).tools).toHaveLength(TOOLS.length);
    expect(existsSync(join(workspace, 'orchestrator.db'))).toBe(true);
    await lane.close();
    expect(lane.errorLogs()).toEqual([]);
    // Nothing the server started (its claude-code agents, their tools) outlives it.
    // Agents work in their instance's workspace: no process may be left working under it.
    await expect.poll(() => processesUnder(workspace).filter((p) => p.why === 'cwd').map((p) => `${p.pid} ${p.cmdline}`), { timeout: 30_000 }).toEqual([]);

    console.info(
      `mcp-fuzz ${_transport}: ${RUNS} calls in ${seconds.toFixed(1)} s; ${JSON.stringify(counts)}; valid ${byIntent.valid.ok}/${byIntent.valid.all} ok, ` +
        `spoiled ${byIntent.spoiled.ok}/${byIntent.spoiled.all} ok; claude-code: ${world.agentsSpawned} spawned, ${agentTurns} sends answered, rations used ${JSON.stringify(world.agentWork)}; ` +
        `successes ${JSON.stringify(Object.fromEntries(succeeded))}; endings ${JSON.stringify(Object.fromEntries([...endings].sort()))}`,
    );
    // Not vacuous: a third or more succeed, every tool succeeds somewhere, and errors of both kinds occur.
    expect(counts.ok).toBeGreaterThanOrEqual(RUNS / 3);
    for (const tool of TOOLS) expect(succeeded.get(tool.name) ?? 0, tool.name).toBeGreaterThan(0);
    expect(counts.toolError).toBeGreaterThan(0);
    expect(counts.protocolError).toBeGreaterThan(0);
    expect(world.agentsSpawned).toBeGreaterThan(0);
  });
});

function endingOf(outcome: Outcome, verdict: Verdict): string {
  if (outcome.kind === 'protocol') return `rpc ${outcome.code}`;
  const structured = outcome.kind === 'rest' ? (outcome.body['structuredContent'] as Record<string, unknown> | undefined) ?? outcome.body : outcome.structured;
  const code = verdict === 'ok' ? 'ok' : ((structured?.['error'] as { code?: string } | undefined)?.code ?? 'sdk_refusal');
  return outcome.kind === 'rest' ? `rest ${outcome.status} ${code}` : `mcp ${code}`;
}
