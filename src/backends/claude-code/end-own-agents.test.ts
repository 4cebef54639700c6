import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { AGENT_MARKER_ENV, AgentRegistry } from './agent-registry.js';
import { agentsDir } from './agents-dir.js';
import { endOwnAgents } from './end-own-agents.js';
import { currentProcess, isRunning, processStartTime, type ProcessIdentity } from './process-identity.js';

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

/** A long-running process standing in for an agent (or another server), marked like an agent. */
async function fakeProcess(marker = 'unmarked'): Promise<ProcessIdentity> {
  const child = spawn('/bin/sh', ['-c', 'exec tail -f /dev/null'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', [AGENT_MARKER_ENV]: marker } });
  await once(child, 'spawn');
  spawned.push(child.pid as number);
  return { host: currentProcess().host, pid: child.pid as number, startTime: processStartTime(child.pid as number) };
}

/** A process the fake agent started in a session of its own, out of reach of its group: found by the marker. */
async function markedLeftover(marker: string): Promise<number> {
  return (await fakeProcess(marker)).pid;
}

const record = (agent: ProcessIdentity, marker: string) => ({ agent, marker, instanceId: 'inst_test', startedAt: new Date().toISOString() });

describe('endOwnAgents: a forced shutdown ends this server’s agents from their records', () => {
  it('ends its own agents and what they started, and leaves another live server’s agents and records alone', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'cc-own-'));
    const mine = `mine-${process.pid}-${Date.now()}-marker`;
    const agent = await fakeProcess(mine);
    const shell = await markedLeftover(mine);
    const theirs = await fakeProcess('theirs-marker-0123456789');
    const otherServer = await fakeProcess();
    new AgentRegistry(agentsDir(workspace), currentProcess(), silentLogger()).add(record(agent, mine));
    new AgentRegistry(agentsDir(workspace), otherServer, silentLogger()).add(record(theirs, 'theirs-marker-0123456789'));

    expect(await endOwnAgents(workspace, 500, silentLogger())).toEqual([agent.pid]);
    expect(isRunning(agent.pid)).toBe(false);
    expect(isRunning(shell)).toBe(false);
    expect(isRunning(theirs.pid)).toBe(true);
    expect(readdirSync(agentsDir(workspace))).toEqual([`${theirs.pid}-${theirs.startTime}.json`]);
  });

  it('is a no-op where no agent was ever started', async () => {
    expect(await endOwnAgents(mkdtempSync(join(tmpdir(), 'cc-own-')), 500, silentLogger())).toEqual([]);
  });
});
