import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { MemoryStore } from '../store/memory-store.js';
import { TaskRegistry } from './task-registry.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TaskRegistry', () => {
  it('returns a working snapshot at once, then the result when the work ends', async () => {
    const tasks = new TaskRegistry();
    const gate = deferred<object>();
    const started = tasks.start('send', 'test', () => gate.promise);
    expect(started).toMatchObject({ state: 'working', kind: 'send', progress: { completed_turns: 0, tokens: 0 } });
    expect((await tasks.wait(started.task_id, 0)).state).toBe('working');
    gate.resolve({ reply: 'hi' });
    const done = await tasks.wait(started.task_id, Number.POSITIVE_INFINITY);
    expect(done).toMatchObject({ state: 'completed', result: { reply: 'hi' } });
    expect(done.finished_at).not.toBeNull();
  });

  it('resolves a wait the moment the task ends, not when the wait runs out', async () => {
    const tasks = new TaskRegistry();
    const gate = deferred<object>();
    const { task_id } = tasks.start('send', 'test', () => gate.promise);
    const waiting = tasks.wait(task_id, 3_600_000);
    gate.resolve({ ok: true });
    // A one-hour wait that settles here proves it did not wait for its timer.
    expect((await waiting).state).toBe('completed');
  });

  it('accumulates progress and tells subscribers', async () => {
    const tasks = new TaskRegistry();
    const gate = deferred<object>();
    const seen: string[] = [];
    let report!: (u: { message: string; completedTurns?: number; totalTurns?: number; addTokens?: number }) => void;
    const { task_id } = tasks.start('coordinate', 'test', (_signal, r) => {
      report = r;
      return gate.promise;
    });
    tasks.subscribe(task_id, (s) => seen.push(`${s.state}:${s.progress.message}:${s.progress.tokens}`));
    report({ message: 'a done', completedTurns: 1, totalTurns: 3, addTokens: 10 });
    report({ message: 'b done', completedTurns: 2, addTokens: 5 });
    expect((await tasks.get(task_id)).progress).toMatchObject({ message: 'b done', completed_turns: 2, total_turns: 3, tokens: 15 });
    gate.resolve({});
    await tasks.wait(task_id, Number.POSITIVE_INFINITY);
    expect(seen).toEqual(['working:a done:10', 'working:b done:15', 'completed:b done:15']);
  });

  it('records a failure with its code', async () => {
    const tasks = new TaskRegistry();
    const { task_id } = tasks.start('send', 'test', async () => {
      throw new OrchestratorError('backend_unavailable', 'API down');
    });
    expect(await tasks.wait(task_id, Number.POSITIVE_INFINITY)).toMatchObject({ state: 'failed', error: { code: 'backend_unavailable', message: 'API down' } });
  });

  it('cancels work through its signal', async () => {
    const tasks = new TaskRegistry();
    let aborted = false;
    const { task_id } = tasks.start(
      'send',
      'test',
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          });
        }),
    );
    const cancelled = await tasks.cancel(task_id);
    expect(aborted).toBe(true);
    expect(cancelled).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect((await tasks.cancel(task_id)).state).toBe('cancelled');
  });

  it('reports cancelled, with what was finished, when work stops cleanly on cancel', async () => {
    const tasks = new TaskRegistry();
    const { task_id } = tasks.start('coordinate', 'test', (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ partial: true }))));
    expect(await tasks.cancel(task_id, 'user stopped it')).toMatchObject({ state: 'cancelled', result: { partial: true }, error: { code: 'cancelled', message: 'user stopped it' } });
  });

  it('says not found for an unknown task, and forgets the oldest finished tasks past its limit', async () => {
    const tasks = new TaskRegistry({ keepFinished: 2 });
    await expect(tasks.get('task_nope')).rejects.toThrow(/not found/);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { task_id } = tasks.start('send', 'x', async () => ({ i }));
      await tasks.wait(task_id, Number.POSITIVE_INFINITY);
      ids.push(task_id);
    }
    await expect(tasks.get(ids[0] ?? '')).rejects.toThrow(/not found/);
    expect((await tasks.get(ids[2] ?? '')).state).toBe('completed');
  });

  it('keeps an unpublished task out of the store until its id is handed out, then writes every change in order', async () => {
    const store = new MemoryStore();
    const tasks = new TaskRegistry({ store: { saveTask: (t) => store.transaction((tx) => tx.saveTask(t)), getTask: (id) => store.getTask(id) }, owner: 'me' });
    const quick = tasks.start('send', 'quick', async () => ({ done: 1 }), null, { publish: false });
    await tasks.wait(quick.task_id, Number.POSITIVE_INFINITY);
    await tasks.flush();
    expect(await store.getTask(quick.task_id)).toBeUndefined();

    let finish!: () => void;
    const slow = tasks.start('send', 'slow', () => new Promise<object>((resolve) => (finish = () => resolve({ done: 2 }))), { tool: 'send_to_instance' }, { publish: false });
    await tasks.publish(slow.task_id);
    expect(await store.getTask(slow.task_id)).toMatchObject({ state: 'working', owner: 'me', request: { tool: 'send_to_instance' } });
    finish();
    await tasks.wait(slow.task_id, Number.POSITIVE_INFINITY);
    await tasks.flush();
    expect(await store.getTask(slow.task_id)).toMatchObject({ state: 'completed', result: { done: 2 } });
    await store.close();
  });
});
