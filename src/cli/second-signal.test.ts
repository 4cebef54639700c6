import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from '../test-support/bin.js';
import { processesUnder } from '../test-support/process-scan.js';
import { agentScript, HOLD, holdRule } from '../test-support/claude-code-kit.js';

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

function server(workspace: string, extra: Record<string, string> = {}): RunningBin {
  return startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: workspace, ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, LOG_LEVEL: 'info', ...extra }));
}

describe('a second SIGINT ends the agents first, then exits (the bin, a claude-code agent on the simulator)', () => {
  it('first SIGINT drains; the second ends the agent and its background shell, exits 130, and the next server carries on', async () => {
    const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'cc-sigint-')));
    // A grace far longer than the test: only the second signal can end this shutdown.
    const first = server(workspace, { SHUTDOWN_GRACE_SECONDS: '3600' });
    const url = await first.url;
    const { instance_id } = await tool(url, 'spawn_claude', { name: 'agent', backend: 'claude-code', permissions: { allowed_tools: ['Bash'] } });
    const shell = await tool(url, 'send_to_instance', { instance_id, message: 'BASHBG tail -f /dev/null' });
    expect(shell['reply']).toMatch(/^done:/);
    const handle = await tool(url, 'send_to_instance', { instance_id, message: HOLD, wait_seconds: 0 });
    expect(handle['state']).toBe('working');
    await expect.poll(() => sim.requests.some((r) => JSON.stringify(r.body.messages).includes(HOLD)), { timeout: 30_000 }).toBe(true);
    const server1 = first.child.pid as number;
    const agents = () => processesUnder(workspace).filter((p) => p.pid !== server1);
    await expect.poll(() => agents().some((p) => p.cmdline.includes('tail -f /dev/null')), { timeout: 30_000 }).toBe(true);
    expect(agents().length).toBeGreaterThanOrEqual(2);

    first.child.kill('SIGINT');
    await expect.poll(() => first.stderr(), { timeout: 30_000 }).toMatch(/shutting down/);
    // The first signal waits for the held turn (the grace is an hour): the agent and its shell still run.
    expect(agents().some((p) => p.cmdline.includes('tail -f /dev/null'))).toBe(true);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toMatch(/second signal/);
    // Nothing started under the workspace is left: not the agent, not its background shell.
    expect(processesUnder(workspace)).toEqual([]);

    hold.release();
    const second = server(workspace);
    try {
      const url2 = await second.url;
      // As after a crash: the cut turn is kept and marked failed, its task ended, the instance idle.
      expect(await tool(url2, 'get_instance_status', { instance_id })).toMatchObject({ state: 'idle', backend: 'claude-code', turns: 1 });
      // Interrupted by the next server, or failed already when the dying agent ended the turn before the exit.
      expect(['interrupted', 'failed']).toContain((await tool(url2, 'get_task', { task_id: handle['task_id'] }))['state']);
      const history = (await tool(url2, 'get_instance_output', { instance_id }))['messages'] as S[];
      expect(history.at(-1)).toMatchObject({ role: 'user', content: HOLD, failed: true });
      // The resumed agent first reports on the background shell it lost (a turn of its own inside the CLI): each
      // reply still answers its own message, never the one before.
      for (const message of ['first after the restart', 'second after the restart']) {
        const reply = await tool(url2, 'send_to_instance', { instance_id, message });
        expect(reply['reply']).toContain(message);
        expect(reply['model_calls']).toBeGreaterThanOrEqual(1);
      }
      await tool(url2, 'terminate_instance', { instance_id });
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    expect(processesUnder(workspace)).toEqual([]);
  });
});
