import { describe, expect, it } from 'vitest';
import { Semaphore } from './limit-concurrency.js';

describe('Semaphore', () => {
  it('hands slots out in arrival order and never more than its size', async () => {
    const slots = new Semaphore(2);
    const signal = new AbortController().signal;
    const order: string[] = [];
    const a = await slots.acquire(signal);
    const b = await slots.acquire(signal);
    const c = slots.acquire(signal).then((release) => (order.push('c'), release));
    const d = slots.acquire(signal).then((release) => (order.push('d'), release));
    a();
    a(); // a second release of the same slot is ignored
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
  });

  it('lets an aborted waiter leave the queue at once, without taking a slot', async () => {
    const slots = new Semaphore(1);
    const release = await slots.acquire(new AbortController().signal);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    release();
    const again = await slots.acquire(new AbortController().signal);
    expect(typeof again).toBe('function');
  });

  it('treats sizes below 1 as 1', async () => {
    const slots = new Semaphore(0);
    const signal = new AbortController().signal;
    const first = await slots.acquire(signal);
    let second = false;
    const pending = slots.acquire(signal).then((r) => ((second = true), r));
    await Promise.resolve();
    expect(second).toBe(false);
    first();
    (await pending)();
    expect(second).toBe(true);
  });
});
