import { describe, expect, it } from 'vitest';
import { simulatorMcp } from '../test-support/simulator-mcp.js';

const mcp = simulatorMcp('tasks-test');

type S = Record<string, any>;
const structured = (r: { structuredContent?: unknown }) => r.structuredContent as S;

async function spawn(name = 'worker'): Promise<string> {
  return structured(await mcp.client.callTool({ name: 'spawn_claude', arguments: { name } }))['instance_id'];
}

describe('non-blocking tasks', () => {
  it('returns a task handle for slow work, then the result through get_task the moment it ends', async () => {
    await mcp.connect();
    const id = await spawn();
    mcp.holdReplies('slow job');
    const handle = structured(await mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'slow job', wait_seconds: 0 } }));
    expect(handle).toMatchObject({ state: 'working', task_id: expect.stringMatching(/^task_/), progress: { completed_turns: 0 } });
    expect(handle['next']).toMatch(/get_task/);

    const polled = structured(await mcp.client.callTool({ name: 'get_task', arguments: { task_id: handle['task_id'] } }));
    expect(polled['state']).toBe('working');
    const waiting = mcp.client.callTool({ name: 'get_task', arguments: { task_id: handle['task_id'], wait_seconds: 300 } });
    mcp.release();
    const done = structured(await waiting);
    expect(done).toMatchObject({ state: 'completed', result: { reply: 'done: slow job', instance_id: id } });
    expect(done['progress']['tokens']).toBe(done['result']['usage']['total_tokens']);
  });

  it('returns the result directly when it is ready within wait_seconds', async () => {
    await mcp.connect();
    const id = await spawn();
    const result = structured(await mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'quick' } }));
    expect(result['reply']).toBeDefined();
    expect(result['task_id']).toBeUndefined();
  });

  it('runs a parallel coordination through the tool with its turns in flight together, sending progress to a client that asks', async () => {
    await mcp.connect();
    const ids = [await spawn('a'), await spawn('b'), await spawn('c')];
    // Every reply waits until all three requests have arrived: the run can only finish if they overlap.
    let arrived = 0;
    let allIn!: () => void;
    const gate = new Promise<void>((r) => (allIn = r));
    mcp.sim.setScript([{ match: { lastUser: 'Review the plan' }, reply: async () => (++arrived === 3 && allIn(), await gate, 'reviewed') }]);
    mcp.sim.reset();
    const progress: Array<{ progress: number; message?: string | undefined }> = [];
    const result = await mcp.client.callTool(
      { name: 'coordinate_instances', arguments: { participant_ids: ids, task_description: 'Review the plan', coordination_type: 'parallel' } },
      { onprogress: (p) => progress.push(p) },
    );
    expect(structured(result)).toMatchObject({ coordination_type: 'parallel', success: true });
    expect(mcp.sim.maxInFlight).toBe(3);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((x, y) => x - y));
    expect(progress.at(-1)?.message).toMatch(/tokens/);
  });

  it('cancel_task stops the work, and the instance stays usable', async () => {
    await mcp.connect();
    const id = await spawn();
    mcp.holdReplies('never ends');
    const handle = structured(await mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'never ends', wait_seconds: 0 } }));
    await expect.poll(() => mcp.sim.inFlight).toBe(1);
    const cancelled = structured(await mcp.client.callTool({ name: 'cancel_task', arguments: { task_id: handle['task_id'] } }));
    expect(cancelled).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    await expect.poll(() => mcp.sim.inFlight).toBe(0);
    const status = structured(await mcp.client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } }));
    expect(status).toMatchObject({ state: 'idle', error_count: 1 });
    mcp.sim.setScript([]);
    const again = structured(await mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'still there?' } }));
    expect(again['reply']).toBeDefined();
    const history = structured(await mcp.client.callTool({ name: 'get_instance_output', arguments: { instance_id: id } }));
    expect(history['messages'].map((m: S) => [m['content'], m['failed'] ?? false])).toEqual([
      ['never ends', true],
      ['still there?', false],
      [again['reply'], false],
    ]);
  });

  it('cancel_task stops a coordination run: no new turns, what finished is kept, instances usable', async () => {
    await mcp.connect();
    const ids = [await spawn('a'), await spawn('b')];
    mcp.holdReplies('long review');
    const handle = structured(
      await mcp.client.callTool({ name: 'coordinate_instances', arguments: { participant_ids: ids, task_description: 'long review', coordination_type: 'sequential', wait_seconds: 0 } }),
    );
    await expect.poll(() => mcp.sim.inFlight).toBe(1);
    const cancelled = structured(await mcp.client.callTool({ name: 'cancel_task', arguments: { task_id: handle['task_id'] } }));
    expect(cancelled).toMatchObject({ state: 'cancelled', result: { success: false, coordination_type: 'sequential' } });
    expect(cancelled['result']['results'].map((r: S) => r['status'])).toEqual(['cancelled', 'cancelled']);
    await expect.poll(() => mcp.sim.inFlight).toBe(0);
    mcp.sim.setScript([]);
    for (const id of ids) {
      const reply = await mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'are you ok?' } });
      expect(reply.isError).toBeFalsy();
    }
  });

  it('keeps concurrent sends to one instance in order', async () => {
    await mcp.connect();
    const id = await spawn();
    mcp.sim.reset();
    const sends = ['one', 'two', 'three', 'four'].map((message) => mcp.client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message } }));
    await Promise.all(sends);
    const history = structured(await mcp.client.callTool({ name: 'get_instance_output', arguments: { instance_id: id } }));
    const users = history['messages'].filter((m: S) => m['role'] === 'user').map((m: S) => m['content']);
    expect(users).toEqual(['one', 'two', 'three', 'four']);
    expect(history['messages'].map((m: S) => m['role'])).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    // One instance never has two turns at the model at once.
    expect(mcp.sim.maxInFlight).toBe(1);
  });

  it('answers unknown tasks and bad coordination requests with clear errors', async () => {
    await mcp.connect();
    const a = await spawn('a');
    const missing = await mcp.client.callTool({ name: 'get_task', arguments: { task_id: 'task_nope' } });
    expect(missing.isError).toBe(true);
    const cases: Array<[S, RegExp]> = [
      [{ participant_ids: [a, a], task_description: 't', coordination_type: 'parallel' }, /listed twice/],
      [{ participant_ids: [a], task_description: 't', coordination_type: 'hierarchical' }, /needs a coordinator_id/],
      [{ coordinator_id: a, participant_ids: [a], task_description: 't', coordination_type: 'parallel' }, /cannot also be a participant/],
      [{ participant_ids: ['inst_missing'], task_description: 't', coordination_type: 'parallel' }, /not found/],
      [{ participant_ids: [a], task_description: 't', coordination_type: 'democracy' }, /coordination_type/],
    ];
    for (const [args, pattern] of cases) {
      const r = await mcp.client.callTool({ name: 'coordinate_instances', arguments: args });
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect((r.content as Array<{ text: string }>)[0]?.text).toMatch(pattern);
    }
  });
});
