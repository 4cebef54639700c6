import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
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
    // This registry has no store: its tasks are its own; the store holds another server's working task.
    const store = {
      listTasks: async (state: string, limit: number) => {
        reads.push([state, limit]);
        return [storedTask('task_remote', 'working', '2026-11-27T10:00:01.000Z')];
      },
      countTasks: async () => 1,
    };
    const page = await listTasks(tasks, store, {});
    expect(page.tasks.map((t) => t.task_id)).toEqual([second.task_id, 'task_remote', first.task_id]);
    expect(page.tasks.every((t) => !('result' in t))).toBe(true);
    expect(page).toMatchObject({ total: 3, offset: 0, limit: 50 });
    expect(reads).toEqual([['working', 50]]);

    const working = await listTasks(tasks, store, { state: 'working', limit: 1, offset: 1 });
    expect(working.tasks.map((t) => t.task_id)).toEqual(['task_remote']);
    expect(working.total).toBe(2);
    expect(reads.at(-1)).toEqual(['working', 2]);
    await expect(listTasks(tasks, store, { state: 'sleeping' as 'working' })).rejects.toMatchObject({ code: 'invalid_input' });
    await tasks.cancel(second.task_id);
  });

  it('pages a state holding more tasks than a page from a real store: newest first, with the true total', async () => {
    const store = new MemoryStore();
    let now = Date.parse('2026-11-27T10:00:00.000Z');
    // Another server's 120 completed tasks, written oldest first, then 3 of this server's.
    await store.transaction(async (tx) => {
      for (let i = 0; i < 120; i++) await tx.saveTask({ ...storedTask(`task_old_${String(i).padStart(3, '0')}`, 'completed', new Date(now + i * 1000).toISOString()), finishedAt: new Date(now + i * 1000 + 500).toISOString() });
    });
    now += 200_000;
    let held = Promise.resolve(); // writes wait for this: a write in flight, held as long as the test wants
    const persistence = {
      saveTask: async (task: StoredTask) => {
        await held;
        await store.transaction((tx) => tx.saveTask(task));
      },
      getTask: (id: string) => store.getTask(id),
    };
    const tasks = new TaskRegistry({ now: () => now, store: persistence, owner: 'this-server' });
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      now += 1000;
      const t = tasks.start('send', `mine ${i}`, async () => ({ reply: i }));
      mine.unshift(t.task_id);
      await tasks.wait(t.task_id, Number.POSITIVE_INFINITY);
    }
    await tasks.flush();

    const first = await listTasks(tasks, store, { state: 'completed', limit: 5 });
    expect(first.total).toBe(123);
    expect(first.tasks.map((t) => t.task_id)).toEqual([...mine, 'task_old_119', 'task_old_118']);
    const later = await listTasks(tasks, store, { state: 'completed', limit: 50, offset: 100 });
    expect(later.total).toBe(123);
    expect(later.tasks.map((t) => t.task_id)).toEqual(Array.from({ length: 23 }, (_, i) => `task_old_${String(22 - i).padStart(3, '0')}`));
    // A task of this server whose write has not finished yet is counted, and once it is written, counted once.
    let release = () => {};
    held = new Promise((resolve) => (release = resolve));
    const working = tasks.start('send', 'running', untilCancelled);
    expect(await listTasks(tasks, store, { state: 'working' })).toMatchObject({ total: 1, tasks: [{ task_id: working.task_id }] });
    release();
    await tasks.flush();
    expect(await listTasks(tasks, store, { state: 'working' })).toMatchObject({ total: 1, tasks: [{ task_id: working.task_id }] });
    await tasks.cancel(working.task_id);
    await tasks.flush();
    expect((await listTasks(tasks, store, { state: 'cancelled' })).total).toBe(1);
    expect((await listTasks(tasks, store, { state: 'working' })).total).toBe(0);
    await store.close();
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
