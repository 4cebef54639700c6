import { readdirSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../../test-support/bin.js';
import { agentScript, holdRule } from '../../test-support/claude-code-kit.js';
import { isRunning } from './process-identity.js';

let sim: RunningSimulator;
const hold = holdRule();
beforeAll(async () => {
  sim = await startSimulator({ script: agentScript([hold.rule]) });
});
afterAll(async () => {
  hold.release();
  await sim.close();
});

type S = Record<string, any>;

async function tool(url: string, name: string, args: S): Promise<S> {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: name, arguments: args }) });
  const body = (await res.json()) as S;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body['structuredContent'] as S;
}

function server(workspace: string): RunningBin {
  return startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, LOG_LEVEL: 'info', MAX_TOKENS_PER_INSTANCE: '1000000' }));
}

/** Agent pids recorded under WORKSPACE_DIR/.agents (file names are `<pid>-<start>.json`). */
function recordedAgents(workspace: string): number[] {
  const dir = join(workspace, '.agents');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^(\d+)-.*\.json$/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}

describe('claude-code agents across a server crash, with the real bin', () => {
  it('after kill -9 of the server mid-turn, the restarted server ends the orphaned agent and resumes the instance', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'cc-restart-'));
    const first = server(workspace);
    const url = await first.url;
    const { instance_id } = await tool(url, 'spawn_claude', { name: 'agent', backend: 'claude-code' });
    await tool(url, 'send_to_instance', { instance_id, message: 'remember the word kiwi' });
    const handle = await tool(url, 'send_to_instance', { instance_id, message: 'HOLD-THIS-TURN-7f3a', wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    await expect.poll(() => sim.requests.some((r) => JSON.stringify(r.body.messages).includes('HOLD-THIS-TURN-7f3a')), { timeout: 20_000 }).toBe(true);
    const agents = recordedAgents(workspace);
    expect(agents.length).toBeGreaterThan(0);
    for (const pid of agents) expect(isRunning(pid)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    // The agent outlives its server: nothing but the next server will end it.
    expect(agents.some((pid) => isRunning(pid))).toBe(true);

    const second = server(workspace);
    const url2 = await second.url;
    for (const pid of agents) expect(isRunning(pid)).toBe(false);
    const status = await tool(url2, 'get_instance_status', { instance_id });
    expect(status).toMatchObject({ state: 'idle', backend: 'claude-code', turns: 1 });
    // The session resumes on the new server: the agent's model sees the earlier conversation.
    sim.reset();
    const next = await tool(url2, 'send_to_instance', { instance_id, message: 'what word?' });
    expect(next['reply']).toContain('what word?');
    expect(JSON.stringify(sim.requests.at(-1)?.body.messages)).toContain('remember the word kiwi');
    await tool(url2, 'terminate_instance', { instance_id });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
