import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { agentScript, ClaudeCodeKit, HOLD, holdRule, turnSignal } from '../../test-support/claude-code-kit.js';
import { TestBudget } from '../../test-support/test-budget.js';
import { compileForChild } from '../../test-support/compile-for-child.js';
import type { ClaudeCodeSession } from './claude-code-session.js';
import { isRunning } from './process-identity.js';
import { descendantsOf, processTable } from './process-table.js';

let kit: ClaudeCodeKit;
const hold = holdRule();
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
  kit.sim.setScript(agentScript([hold.rule]));
});
afterAll(async () => {
  hold.release();
  await kit.close();
});

const turn = (message: string) => ({ history: [], message });
const allow = async () => ({ allow: true });

/** Whether a process of the group still runs (an agent leads its own). Zombies don't run: a container's init may never reap them. */
function groupRuns(pgid: number): boolean {
  return [...processTable().values()].some((entry) => entry.pgid === pgid && isRunning(entry.pid));
}

/** The agent's descendants that run `tail -f /dev/null` (the scripted long-running command). */
function tails(agentPid: number): number[] {
  return descendantsOf(agentPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('tail\0-f\0/dev/null');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  });
}

describe('claude-code supervision: no agent process outlives its reason to run', () => {
  it('kills an agent that keeps running after its result (a background task) when it is parked', async () => {
    const session = (await kit.backend({ timings: { idleMs: 500, exitGraceMs: 300 } }).start(kit.spec())) as ClaudeCodeSession;
    const pid = session.agentPid as number;
    await session.turn(turn('BASHBG tail -f /dev/null'), { signal: turnSignal(), calls: new TestBudget(), askPermission: allow });
    await expect.poll(() => tails(pid).length, { timeout: 20_000 }).toBe(1);
    const started = tails(pid);

    await expect.poll(() => session.state, { timeout: 15_000 }).toBe('parked');
    expect(isRunning(pid)).toBe(false);
    expect(groupRuns(pid)).toBe(false);
    expect(started.filter(isRunning)).toEqual([]);
    await session.terminate();
  });

  it('terminate leaves no process behind: the agent, its group, and what it started in sessions of their own', async () => {
    const session = (await kit.backend().start(kit.spec())) as ClaudeCodeSession;
    const pid = session.agentPid as number;
    await session.turn(turn('BASHBG tail -f /dev/null'), { signal: turnSignal(), calls: new TestBudget(), askPermission: allow });
    await expect.poll(() => tails(pid).length, { timeout: 20_000 }).toBe(1);
    const started = tails(pid);

    await session.terminate();
    expect(session.state).toBe('closed');
    expect(isRunning(pid)).toBe(false);
    expect(groupRuns(pid)).toBe(false);
    expect(started.filter(isRunning)).toEqual([]);
  });

  it('a turn that times out is cut short with everything it started; the next turn resumes the session', async () => {
    const session = (await kit.backend().start(kit.spec())) as ClaudeCodeSession;
    const pid = session.agentPid as number;
    const timeout = new AbortController();
    const budget = new TestBudget();
    const running = session.turn(turn('BASH tail -f /dev/null'), { signal: timeout.signal, calls: budget, askPermission: allow });
    await expect.poll(() => tails(pid).length, { timeout: 20_000 }).toBe(1);
    const started = tails(pid);

    timeout.abort(new OrchestratorError('timeout', 'No reply within the turn timeout.'));
    await expect(running).rejects.toMatchObject({ code: 'timeout' });
    expect(isRunning(pid)).toBe(false);
    expect(groupRuns(pid)).toBe(false);
    expect(started.filter(isRunning)).toEqual([]);
    expect(session.state).toBe('parked');
    // The call that asked for the command was charged; nothing of the cut turn is left holding the budget.
    await expect.poll(() => budget.open).toBe(0);
    expect(budget.settled).toHaveLength(1);

    const next = await session.turn(turn('are you back?'), { signal: turnSignal(), calls: new TestBudget() });
    expect(next.text).toContain('are you back?');
    expect(JSON.stringify(kit.sim.requests.at(-1)?.body.messages)).toContain('tail -f /dev/null');
    await session.terminate();
  });

  it('after kill -9 of its server, a new server on the same WORKSPACE_DIR ends the orphan; a live server keeps its agents', async () => {
    const owner = compileForChild(fileURLToPath(new URL('../../test-support/claude-code-owner.ts', import.meta.url)));
    onTestFinished(owner.remove);
    const spec = kit.spec();
    const server = spawn(process.execPath, [owner.entry], {
      env: { PATH: process.env['PATH'] ?? '', SIM_URL: kit.sim.url, WORKSPACE_DIR: kit.workspaceDir, WORKSPACE: spec.workspace, INSTANCE_ID: spec.instanceId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
    const agentPid = (JSON.parse(line) as { agentPid: number }).agentPid;
    // The agent is mid-turn: the simulator holds its request, so nothing ends it but us.
    await expect.poll(() => kit.sim.requests.some((r) => JSON.stringify(r.body.messages).includes(HOLD)), { timeout: 20_000 }).toBe(true);

    // Another server starting on the same directory leaves a live server's agent alone.
    const neighbour = await kit.backend().reapOrphans();
    expect(neighbour.reaped).toEqual([]);
    expect(isRunning(agentPid)).toBe(true);

    server.kill('SIGKILL');
    await once(server, 'exit');
    expect(isRunning(agentPid)).toBe(true);

    const restarted = await kit.backend().reapOrphans();
    expect(restarted.reaped).toEqual([agentPid]);
    expect(isRunning(agentPid)).toBe(false);
    expect(groupRuns(agentPid)).toBe(false);
    // Its record is gone too: a third server finds nothing to do.
    expect((await kit.backend().reapOrphans()).reaped).toEqual([]);
    expect(readFileSync(join(spec.workspace, '..', '.agents', 'homes', spec.instanceId, 'system-prompt.md'), 'utf8')).toContain('owned by a server');
  });
});
