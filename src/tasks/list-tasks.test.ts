import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../store/store.js';
import { listTasks } from './list-tasks.js';
import { nextParticipants } from './participant-progress.js';
import { TaskRegistry } from './task-registry.js';

/** Work that runs until it is cancelled. */
const untilCancelled = (signal: AbortSignal) => new Promise<object>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));

function storedTask(id: string, state: string, createdAt: string): StoredTask {
  return {
    id,
    kind: 'coordinate',
    state,
    label: `stored ${id}`,
    owner: 'other-server',
    request: null,
    progress: { message: 'started', completed_turns: 0, total_turns: null, tokens: 0, updated_at: createdAt },
    result: { big: 'result' },
    error: undefined,
    createdAt,
    finishedAt: null,
  };
}

describe('listTasks', () => {
  it("merges this server's tasks with other servers' stored ones, newest first, without results, and pages them", async () => {
    let now = Date.parse('2026-11-27T10:00:00.000Z');
    const tasks = new TaskRegistry({ now: () => now });
    const first = tasks.start('send', 'first', async () => ({ reply: 'done' }));
    await tasks.wait(first.task_id, Number.POSITIVE_INFINITY);
    now += 2000;
    const second = tasks.start('send', 'second', untilCancelled);
    const reads: Array<[string, number]> = [];
    const store = {
      listTasks: async (state: string, limit: number) => {
        reads.push([state, limit]);
        return [storedTask('task_remote', 'working', '2026-11-27T10:00:01.000Z'), storedTask(second.task_id, 'working', second.created_at)];
      },
    };
    const page = await listTasks(tasks, store, {});
    expect(page.tasks.map((t) => t.task_id)).toEqual([second.task_id, 'task_remote', first.task_id]);
    expect(page.tasks.every((t) => !('result' in t))).toBe(true);
    expect(page).toMatchObject({ total: 3, offset: 0, limit: 50 });
    expect(reads).toEqual([['working', 50]]);

    const working = await listTasks(tasks, store, { state: 'working', limit: 1, offset: 1 });
    expect(working.tasks.map((t) => t.task_id)).toEqual(['task_remote']);
    expect(reads.at(-1)).toEqual(['working', 2]);
    await expect(listTasks(tasks, store, { state: 'sleeping' as 'working' })).rejects.toMatchObject({ code: 'invalid_input' });
    await tasks.cancel(second.task_id);
  });
});

describe('nextParticipants', () => {
  it('lists participants as waiting, moves them as turns run, counts done turns and tokens, and adds a helper not listed', () => {
    let list = nextParticipants(undefined, { participants: ['a', 'b'] });
    expect(list).toEqual([
      { instance_id: 'a', state: 'waiting', turns: 0, tokens: 0 },
      { instance_id: 'b', state: 'waiting', turns: 0, tokens: 0 },
    ]);
    list = nextParticipants(list, { participant: { instance_id: 'a', state: 'working' } });
    list = nextParticipants(list, { participant: { instance_id: 'a', state: 'done', tokens: 40 } });
    list = nextParticipants(list, { participant: { instance_id: 'b', state: 'failed' } });
    list = nextParticipants(list, { participant: { instance_id: 'c', state: 'done', tokens: 5 } });
    expect(list).toEqual([
      { instance_id: 'a', state: 'done', turns: 1, tokens: 40 },
      { instance_id: 'b', state: 'failed', turns: 0, tokens: 0 },
      { instance_id: 'c', state: 'done', turns: 1, tokens: 5 },
    ]);
    expect(nextParticipants(undefined, { message: 'no participants in a send' })).toBeUndefined();
  });
});
