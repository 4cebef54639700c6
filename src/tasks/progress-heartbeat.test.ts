import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../config/defaults.js';
import { simulatorMcp } from '../test-support/simulator-mcp.js';

const mcp = simulatorMcp('heartbeat-test');

type S = Record<string, any>;
const structured = (r: { structuredContent?: unknown }) => r.structuredContent as S;

afterEach(() => {
  vi.useRealTimers();
});

describe('the progress heartbeat', () => {
  it('keeps a client that sent a progress token hearing about a long turn while it is quiet, and stops when the turn ends', async () => {
    await mcp.connect();
    const id = structured(await mcp.client.callTool({ name: 'spawn_claude', arguments: { name: 'slow' } }))['instance_id'];
    // Only the intervals are under the test's hand: HTTP, the simulator and every timeout run as usual.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    mcp.holdReplies('a long job');
    const progress: Array<{ progress: number; message?: string | undefined }> = [];
    const reply = mcp.client.callTool(
      { name: 'send_to_instance', arguments: { instance_id: id, message: 'a long job' } },
      { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true },
    );
    await expect.poll(() => mcp.sim.inFlight).toBe(1);
    const before = progress.length;
    // The turn sends nothing while the model thinks: each heartbeat period brings one notification.
    for (let beat = 1; beat <= 3; beat++) {
      vi.advanceTimersByTime(DEFAULTS.progressHeartbeatSeconds * 1000);
      await expect.poll(() => progress.length).toBe(before + beat);
    }
    const beats = progress.slice(before);
    // Progress keeps increasing (so a client resets its timeout on each), and says where the turn stands.
    expect(beats.map((p) => p.progress)).toEqual([...beats.map((p) => p.progress)].sort((a, b) => a - b));
    expect(new Set(beats.map((p) => p.progress)).size).toBe(3);
    expect(beats[0]?.message).toMatch(/turns 0.*tokens/);

    mcp.release();
    expect(structured(await reply)).toMatchObject({ instance_id: id, reply: 'done: a long job' });
    const atEnd = progress.length;
    // Ended: the heartbeat is gone, nothing more is sent for this request.
    vi.advanceTimersByTime(5 * DEFAULTS.progressHeartbeatSeconds * 1000);
    await new Promise((r) => setTimeout(r, 50));
    expect(progress.length).toBe(atEnd);
  });

  it('sends no heartbeat to a client that asked for no progress', async () => {
    await mcp.connect();
    const id = structured(await mcp.client.callTool({ name: 'spawn_claude', arguments: { name: 'quiet' } }))['instance_id'];
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    mcp.holdReplies('no token');
    const notifications: unknown[] = [];
    mcp.client.fallbackNotificationHandler = async (n) => void notifications.push(n);
    const reply = mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'no token', wait_seconds: 300 } });
    await expect.poll(() => mcp.sim.inFlight).toBe(1);
    vi.advanceTimersByTime(3 * DEFAULTS.progressHeartbeatSeconds * 1000);
    mcp.release();
    expect(structured(await reply)['reply']).toBe('done: no token');
    expect(notifications.filter((n) => (n as { method?: string }).method === 'notifications/progress')).toEqual([]);
  });
});
