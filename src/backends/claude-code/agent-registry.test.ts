import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { AGENT_MARKER_ENV, AgentRegistry } from './agent-registry.js';
import { currentProcess, isRunning, processStartTime, type ProcessIdentity } from './process-identity.js';

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

/** A long-running process standing in for an agent (or a server), marked like an agent. */
async function fakeProcess(marker = 'unmarked'): Promise<ProcessIdentity> {
  const child = spawn('/bin/sh', ['-c', 'exec tail -f /dev/null'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', [AGENT_MARKER_ENV]: marker } });
  await once(child, 'spawn');
  spawned.push(child.pid as number);
  return { host: currentProcess().host, pid: child.pid as number, startTime: processStartTime(child.pid as number) };
}

/** A server that has died: its identity, read while it ran. */
async function deadServer(): Promise<ProcessIdentity> {
  const server = await fakeProcess();
  process.kill(server.pid, 'SIGKILL');
  await expect.poll(() => isRunning(server.pid)).toBe(false);
  return server;
}

const record = (agent: ProcessIdentity, marker: string) => ({ agent, marker, instanceId: 'inst_test', startedAt: new Date().toISOString() });

describe('the agent registry shared by the servers of one WORKSPACE_DIR', () => {
  it("ends agents whose server is gone, and leaves a live server's agents and their records alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-reg-'));
    const orphanMarker = `orphan-${process.pid}-${Date.now()}-marker`;
    const orphan = await fakeProcess(orphanMarker);
    const kept = await fakeProcess('kept-marker-0123456789');
    new AgentRegistry(dir, await deadServer(), silentLogger()).add(record(orphan, orphanMarker));
    new AgentRegistry(dir, currentProcess(), silentLogger()).add(record(kept, 'kept-marker-0123456789'));

    const report = await new AgentRegistry(dir, currentProcess(), silentLogger()).reapOrphans(500);

    expect(report).toEqual({ reaped: [orphan.pid], kept: 1 });
    expect(isRunning(orphan.pid)).toBe(false);
    expect(isRunning(kept.pid)).toBe(true);
    expect(readdirSync(dir)).toEqual([`${kept.pid}-${kept.startTime}.json`]);
  });

  it("never signals a reused pid: when the agent's start time differs, only its marked leftovers are ended", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-reg-'));
    const bystander = await fakeProcess();
    const leftoverMarker = `leftover-${process.pid}-${Date.now()}-marker`;
    const leftover = await fakeProcess(leftoverMarker);
    // The recorded agent had the bystander's pid, but started at another time: the pid was reused.
    new AgentRegistry(dir, await deadServer(), silentLogger()).add(record({ ...bystander, startTime: '1' }, leftoverMarker));

    const report = await new AgentRegistry(dir, currentProcess(), silentLogger()).reapOrphans(500);
    expect(report.reaped).toEqual([bystander.pid]);
    expect(isRunning(bystander.pid)).toBe(true);
    expect(isRunning(leftover.pid)).toBe(false);
  });

  it('leaves records of another host, and unreadable ones, alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-reg-'));
    const agent = await fakeProcess('remote-marker-0123456789');
    new AgentRegistry(dir, { host: 'another-host', pid: 1, startTime: '1' }, silentLogger()).add(record({ ...agent, host: 'another-host' }, 'remote-marker-0123456789'));
    writeFileSync(join(dir, '999-1.json'), '{"version": 99}');
    const report = await new AgentRegistry(dir, currentProcess(), silentLogger()).reapOrphans(500);
    expect(report).toEqual({ reaped: [], kept: 1 });
    expect(isRunning(agent.pid)).toBe(true);
    expect(readdirSync(dir).sort()).toHaveLength(2);
  });

  it('is empty before any agent was recorded', async () => {
    const registry = new AgentRegistry(join(mkdtempSync(join(tmpdir(), 'cc-reg-')), 'missing'), currentProcess(), silentLogger());
    expect(await registry.reapOrphans(100)).toEqual({ reaped: [], kept: 0 });
  });
});
