import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../domain/usage.js';
import { EventBus, type DomainEvent } from '../orchestrator/events.js';
import { record } from '../test-support/records.js';
import { activityLine } from './activity.js';
import { ActivityTracker } from './activity-tracker.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function world(stallMs = 10_000) {
  let now = T0;
  const bus = new EventBus((error) => {
    throw error;
  });
  const changes: string[] = [];
  bus.subscribe((e) => {
    if (e.type === 'activity.changed') changes.push(`${e.activity}${e.tool ? ` ${e.tool}` : ''}`);
  });
  const tracker = new ActivityTracker({ events: bus, now: () => now, stallMs });
  tracker.start();
  const at = () => new Date(now).toISOString();
  const publish = (e: DomainEvent) => bus.publish(e);
  return {
    tracker,
    changes,
    publish,
    at,
    advance: (ms: number) => {
      now += ms;
    },
    busy: record('i1', { state: 'busy', stateChangedAt: new Date(T0).toISOString() }),
    idle: record('i1', { state: 'idle', stateChangedAt: new Date(T0).toISOString() }),
  };
}

describe('ActivityTracker', () => {
  it('follows a turn: thinking, running a tool with its name and time, thinking again, idle', async () => {
    const w = world();
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    expect(w.tracker.view(w.busy).state).toBe('thinking');
    w.tracker.report('i1', 'running_tool', 'Bash');
    w.advance(42_000);
    // Long past the stall limit: a running tool is never stalled.
    const running = w.tracker.view(w.busy);
    expect(running).toMatchObject({ state: 'running_tool', tool: 'Bash', seconds: 42 });
    expect(activityLine(running)).toBe('running_tool Bash (42s)');
    w.tracker.report('i1', 'thinking');
    w.publish({ type: 'turn.settled', at: w.at(), instanceId: 'i1', seq: 1, outcome: 'completed', usage: ZERO_USAGE, costNanos: 0, durationMs: 1, calls: 1, stopReason: 'end_turn' });
    expect(w.tracker.view(w.idle)).toMatchObject({ state: 'idle', last_activity_at: w.at() });
    await Promise.resolve();
    expect(w.changes).toEqual(['thinking', 'running_tool Bash', 'thinking', 'idle']);
  });

  it('a turn silent past the stall limit shows stalled; a sign of life clears it without an event', async () => {
    const w = world(1_000);
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    w.advance(5_000);
    expect(w.tracker.view(w.busy).state).toBe('stalled');
    expect(w.tracker.live('i1')?.state).toBe('stalled');
    w.tracker.report('i1', 'thinking');
    expect(w.tracker.view(w.busy)).toMatchObject({ state: 'thinking', last_activity_at: w.at() });
    await Promise.resolve();
    expect(w.changes).toEqual(['thinking']);
  });

  it('rate limits and stalled retries show until the next attempt reports', async () => {
    const w = world();
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    w.publish({ type: 'call.rate_limited', at: w.at(), instanceId: 'i1', reason: '429', retryAfterMs: 1_000 });
    expect(w.tracker.view(w.busy).state).toBe('waiting_for_rate_limit');
    w.tracker.report('i1', 'thinking');
    w.publish({ type: 'call.retried', at: w.at(), instanceId: 'i1', retry: 1, afterMs: 10, reason: 'stalled' });
    expect(w.tracker.view(w.busy).state).toBe('stalled');
    w.tracker.report('i1', 'thinking');
    await Promise.resolve();
    expect(w.changes).toEqual(['thinking', 'waiting_for_rate_limit', 'thinking', 'stalled', 'thinking']);
  });

  it('an open permission ask shows waiting_for_approval over the tool, which resumes once answered', async () => {
    const w = world();
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    w.tracker.report('i1', 'running_tool', 'Bash');
    w.publish({ type: 'approval.waiting', at: w.at(), instanceId: 'i1', tool: 'Bash' });
    expect(w.tracker.view(w.busy)).toMatchObject({ state: 'waiting_for_approval', tool: 'Bash' });
    // Two asks at once: waiting until both are answered.
    w.publish({ type: 'approval.waiting', at: w.at(), instanceId: 'i1', tool: 'Write' });
    w.publish({ type: 'approval.settled', at: w.at(), instanceId: 'i1', allowed: true });
    expect(w.tracker.view(w.busy).state).toBe('waiting_for_approval');
    w.publish({ type: 'approval.settled', at: w.at(), instanceId: 'i1', allowed: true });
    expect(w.tracker.view(w.busy)).toMatchObject({ state: 'running_tool', tool: 'Bash' });
  });

  it('derives what it did not see from the stored state: dead when failed or its node is gone, remote when busy elsewhere', async () => {
    const w = world();
    expect(w.tracker.view(record('x', { state: 'failed' })).state).toBe('dead');
    expect(w.tracker.view(record('x', { state: 'idle', node: 'n2' }), false).state).toBe('dead');
    expect(w.tracker.view(record('x', { state: 'busy', stateChangedAt: w.at() }))).toMatchObject({ state: 'thinking', remote: true, last_activity_at: w.at() });
    expect(w.tracker.view(record('x', { state: 'idle' })).state).toBe('idle');
  });

  it('forgets an instance once it ended', async () => {
    const w = world();
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    expect(w.tracker.size).toBe(1);
    w.publish({ type: 'instance.state_changed', at: w.at(), instanceId: 'i1', from: 'idle', to: 'terminated', reason: 'requested' });
    expect(w.tracker.size).toBe(0);
  });

  it('an agent that died under its turn shows dead after the turn failed, until the next turn starts', async () => {
    const w = world();
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    w.tracker.report('i1', 'dead');
    w.publish({ type: 'turn.settled', at: w.at(), instanceId: 'i1', seq: 1, outcome: 'failed', usage: ZERO_USAGE, costNanos: 0, durationMs: 1, calls: 0, stopReason: null });
    expect(w.tracker.view(w.idle).state).toBe('dead');
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 3, chars: 5 });
    expect(w.tracker.view(w.busy).state).toBe('thinking');
    await Promise.resolve();
    expect(w.changes).toEqual(['thinking', 'dead', 'thinking']);
  });

  it('what comes while an ask is open is kept for when it is answered; nothing open to settle is ignored', async () => {
    const w = world();
    w.publish({ type: 'approval.settled', at: w.at(), instanceId: 'i1', allowed: false });
    expect(w.tracker.size).toBe(0);
    w.publish({ type: 'turn.started', at: w.at(), instanceId: 'i1', seq: 1, chars: 5 });
    w.publish({ type: 'approval.waiting', at: w.at(), instanceId: 'i1', tool: 'raise budget' });
    w.tracker.report('i1', 'running_tool', 'Write');
    expect(w.tracker.view(w.busy)).toMatchObject({ state: 'waiting_for_approval', tool: 'raise budget' });
    w.publish({ type: 'approval.settled', at: w.at(), instanceId: 'i1', allowed: true });
    expect(w.tracker.view(w.busy)).toMatchObject({ state: 'running_tool', tool: 'Write' });
    w.tracker.report('i1', 'thinking');
    w.publish({ type: 'approval.waiting', at: w.at(), instanceId: 'i1', tool: 'Bash' });
    w.publish({ type: 'approval.settled', at: w.at(), instanceId: 'i1', allowed: false });
    expect(w.tracker.view(w.busy).state).toBe('thinking');
    w.publish({ type: 'turn.settled', at: w.at(), instanceId: 'i1', seq: 1, outcome: 'completed', usage: ZERO_USAGE, costNanos: 0, durationMs: 1, calls: 1, stopReason: 'end_turn' });
    expect(w.tracker.live('i1')).toBeUndefined();
    expect(w.tracker.live('unknown')).toBeUndefined();
    await Promise.resolve();
    expect(w.changes).toEqual(['thinking', 'waiting_for_approval raise budget', 'running_tool Write', 'thinking', 'waiting_for_approval Bash', 'thinking', 'idle']);
  });
});

