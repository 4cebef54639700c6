import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { killTree } from './kill-tree.js';
import { isRunning } from './process-identity.js';

const started: number[] = [];
afterEach(() => {
  // Safety net for a failing test: nothing spawned here may outlive it.
  for (const pid of started.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

/**
 * A detached "agent" (its own group) that starts a child in a session of its own (out of reach of a group
 * signal, like Claude Code's shell tools) and one that ignores SIGTERM.
 */
async function agentWithTree(): Promise<{ leader: number; otherSession: number; stubborn: number }> {
  const script = `
    setsid sh -c 'echo otherSession $$; exec tail -f /dev/null' &
    sh -c 'trap "" TERM; echo stubborn $$; while :; do sleep 1; done' &
    echo leader $$
    wait`;
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env['PATH'] ?? '' } });
  const pids: Record<string, number> = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const [name, pid] = line.split(' ');
    pids[name as string] = Number(pid);
    started.push(Number(pid));
    if (Object.keys(pids).length === 3) break;
  }
  return { leader: pids['leader'] as number, otherSession: pids['otherSession'] as number, stubborn: pids['stubborn'] as number };
}

describe('killTree', () => {
  it('ends the agent, a child in another session, and one that ignores SIGTERM', async () => {
    const tree = await agentWithTree();
    const all = [tree.leader, tree.otherSession, tree.stubborn];
    expect(all.every(isRunning)).toBe(true);
    expect(await killTree({ pid: tree.leader }, 300)).toEqual([]);
    expect(all.filter(isRunning)).toEqual([]);
  });

  it('finds what an agent left behind by its marker, after the agent itself is gone', async () => {
    const marker = { name: 'CLAUDE_ORCHESTRATOR_AGENT', value: `test:${process.pid}:${Date.now()}` };
    const orphan = spawn('/bin/sh', ['-c', 'exec tail -f /dev/null'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', [marker.name]: marker.value } });
    await once(orphan, 'spawn');
    started.push(orphan.pid as number);
    const left = await killTree({ marker }, 300);
    expect(left).toEqual([]);
    expect(isRunning(orphan.pid as number)).toBe(false);
  });

  it('has nothing to do for an agent that is gone and left nothing', async () => {
    expect(await killTree({ pid: 2 ** 22 + 12345, marker: { name: 'CLAUDE_ORCHESTRATOR_AGENT', value: 'nobody-has-this' } }, 100)).toEqual([]);
  });
});
