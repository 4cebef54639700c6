import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // A send that would take ten minutes: it comes back as a task handle, to be cancelled.
  stack.sim.setScript([{ match: { lastUser: 'take your time' }, reply: 'finally', latencyMs: 10 * 60_000 }]);
});
afterAll(async () => {
  await stack.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const execute = async (tool: string, args: unknown) => (await call('POST', '/tools/execute', { tool, arguments: args })).body['structuredContent'] as Record<string, any>;
const spawn = async (name: string) => (await execute('spawn_claude', { name })).instance_id as string;

describe('task routes', () => {
  it('GET /tasks lists a working send; POST /tasks/{id}/cancel ends it cancelled, as GET /tasks/{id} and ?state=cancelled show', async () => {
    const id = await spawn('Slow');
    const handle = await execute('send_to_instance', { instance_id: id, message: 'take your time', wait_seconds: 0 });
    expect(handle).toMatchObject({ state: 'working', task_id: expect.any(String) });
    const taskId = handle['task_id'] as string;

    const working = await call('GET', '/tasks?state=working');
    expect(working.status).toBe(200);
    expect(working.body['tasks'].map((t: { task_id: string }) => t.task_id)).toContain(taskId);
    expect(working.body).toMatchObject({ offset: 0, limit: 50 });

    const cancelled = await call('POST', `/tasks/${taskId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ task_id: taskId, state: 'cancelled' });
    expect((await call('GET', `/tasks/${taskId}`)).body).toMatchObject({ state: 'cancelled', kind: 'send' });
    const listed = await call('GET', '/tasks?state=cancelled&limit=5');
    expect(listed.body['tasks'][0]).toMatchObject({ task_id: taskId, state: 'cancelled' });
    // The instance stays usable.
    expect((await call('GET', `/instances/${id}`)).body['state']).toBe('idle');
  });

  it('a coordination task reports each participant: listed, then done with its turns and tokens', async () => {
    const a = await spawn('Ana');
    const b = await spawn('Ben');
    const result = await execute('coordinate_instances', { participant_ids: [a, b], task_description: 'Name a colour', coordination_type: 'parallel', options: { synthesize: false } });
    expect(result['success']).toBe(true);
    const { body } = await call('GET', '/tasks?limit=10');
    const task = body['tasks'].find((t: { kind: string; state: string }) => t.kind === 'coordinate' && t.state === 'completed');
    expect(task.result).toBeUndefined();
    expect(task.progress.participants).toEqual([
      { instance_id: a, state: 'done', turns: 1, tokens: expect.any(Number) },
      { instance_id: b, state: 'done', turns: 1, tokens: expect.any(Number) },
    ]);
    expect(task.progress.participants[0].tokens).toBeGreaterThan(0);
  });

  it('answers bad input with 400/404/405 JSON', async () => {
    expect((await call('GET', '/tasks?state=sleeping')).status).toBe(400);
    expect((await call('GET', '/tasks?limit=ten')).status).toBe(400);
    expect((await call('GET', '/tasks?offset=5000')).status).toBe(400);
    expect((await call('GET', '/tasks/task_missing')).status).toBe(404);
    expect((await call('POST', '/tasks/task_missing/cancel')).status).toBe(404);
    const wrong = await call('GET', '/tasks/task_missing/cancel');
    expect(wrong.status).toBe(405);
    expect(wrong.body['error'].code).toBe('method_not_allowed');
  });
});

describe('GET /instances/{id}/output', () => {
  it('pages the conversation, oldest first', async () => {
    const id = await spawn('Talker');
    await execute('send_to_instance', { instance_id: id, message: 'first' });
    const all = await call('GET', `/instances/${id}/output`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ instance_id: id, total: 2, offset: 0 });
    expect(all.body['messages'].map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const page = await call('GET', `/instances/${id}/output?offset=1&limit=1`);
    expect(page.body['messages']).toHaveLength(1);
    expect(page.body['messages'][0]).toMatchObject({ seq: 2, role: 'assistant', usage: { total_tokens: expect.any(Number) } });
    expect((await call('GET', '/instances/inst_missing/output')).status).toBe(404);
    expect((await call('GET', `/instances/${id}/output?limit=0`)).status).toBe(400);
    expect((await call('DELETE', `/instances/${id}/output`)).status).toBe(405);
  });
});
