import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import type { DomainEvent } from './events.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/** An event as a short line: its type and what tells it apart. */
function line(e: DomainEvent): string {
  switch (e.type) {
    case 'instance.state_changed':
      return `state ${e.from ?? '-'}→${e.to} (${e.reason})`;
    case 'call.settled':
      return `call settled ${e.usage.outputTokens > 0 ? 'with usage' : 'empty'}`;
    case 'call.retried':
      return `call retried #${e.retry} (${e.reason})`;
    case 'call.rate_limited':
      return `call rate limited (${e.reason})`;
    case 'turn.settled':
      return `turn ${e.outcome} after ${e.calls} call(s)`;
    default:
      return e.type;
  }
}

describe('domain events', () => {
  it('a spawn, a turn with a retry, and a terminate produce the expected events, in order, after each change is committed', async () => {
    const orchestrator = simulatorOrchestrator(sim.url, {}, { maxRetries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 2 });
    const events: DomainEvent[] = [];
    orchestrator.events.subscribe((e) => events.push(e));
    // Events come after the commit: a listener that looks finds what the event says.
    const lookups: Array<Promise<string>> = [];
    orchestrator.events.subscribe((e) => {
      if (e.type === 'instance.spawned') lookups.push(orchestrator.getInstanceStatus({ instance_id: e.instanceId }).then((s) => s.name));
    });

    const { instance_id } = await orchestrator.spawnInstance({ name: 'evented', role: 'debugger' });
    sim.injectFaults([{ kind: 'status', status: 529 }]);
    const turn = await orchestrator.sendToInstance({ instance_id, message: 'Why does it crash?' });
    await orchestrator.terminateInstance({ instance_id });

    expect(turn.retries).toBe(1);
    // The reply as it streamed (progress, batched: how many chunks depends on timing), between the turn's start and end.
    const texts = events.flatMap((e, at) => (e.type === 'turn.text' ? [{ e, at }] : []));
    expect(texts.map(({ e }) => e.text).join('')).toBe(turn.reply);
    expect(texts.every(({ at }) => at > events.findIndex((e) => e.type === 'turn.started') && at < events.findIndex((e) => e.type === 'turn.settled'))).toBe(true);
    // turn.text and activity.changed are progress, not committed changes (src/liveness has its own tests).
    expect(events.filter((e) => e.type !== 'turn.text' && e.type !== 'activity.changed').map(line)).toEqual([
      'instance.spawned',
      'state -→spawning (spawned)',
      'state spawning→idle (ready)',
      'state idle→busy (turn_started)',
      'turn.started',
      'call rate limited (529)',
      'call retried #1 (status)',
      'call settled with usage',
      'turn completed after 1 call(s)',
      'state busy→idle (turn_finished)',
      'state idle→terminating (requested)',
      'state terminating→terminated (requested)',
    ]);
    expect(events.every((e) => !('instanceId' in e) || e.instanceId === instance_id)).toBe(true);
    const settled = events.find((e) => e.type === 'call.settled');
    const finished = events.find((e) => e.type === 'turn.settled');
    expect(settled).toMatchObject({ model: 'claude-sonnet-5-5', maxTokens: 8192, costNanos: expect.any(Number) });
    // The turn's figures are exactly its one call's.
    expect(finished).toMatchObject({ outcome: 'completed', usage: (settled as { usage: unknown }).usage, costNanos: (settled as { costNanos: unknown }).costNanos, stopReason: 'end_turn' });
    expect(await Promise.all(lookups)).toEqual(['evented']);
    await orchestrator.close();
  });

  it('reports a failed turn (no call settled: nothing charged), and task progress', async () => {
    const orchestrator = simulatorOrchestrator(sim.url, { maxOutputTokens: 300 });
    const events: DomainEvent[] = [];
    orchestrator.events.subscribe((e) => events.push(e));
    const { instance_id } = await orchestrator.spawnInstance({ name: 'failing' });
    sim.injectFaults([{ kind: 'status', status: 400 }]);
    await expect(orchestrator.sendToInstance({ instance_id, message: 'hello' })).rejects.toMatchObject({ code: 'backend_error' });
    const failed = events.find((e) => e.type === 'turn.settled');
    expect(failed).toMatchObject({ outcome: 'failed', calls: 0, error: { code: 'backend_error' } });
    expect(events.filter((e) => e.type === 'call.settled')).toEqual([]);

    const task = orchestrator.tasks.start('send', 'progress', async (_signal, report) => {
      report({ message: 'half way', completedTurns: 1, totalTurns: 2, addTokens: 7 });
      return {};
    });
    await orchestrator.tasks.wait(task.task_id, 1000);
    expect(events.filter((e) => e.type === 'task.progress').map((e) => (e.type === 'task.progress' ? `${e.state}:${e.message}:${e.tokens}` : ''))).toEqual([
      'working:half way:7',
      'completed:half way:7',
    ]);
    await orchestrator.close();
  });
});
