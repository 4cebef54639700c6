import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

type Refresh = (...what: string[]) => void;
type CreateRefresher = (loaders: Record<string, () => Promise<void>>, onError: (e: Error) => void, delayMs?: number) => Refresh;

const SOURCE = readFileSync(new URL('./assets/refresher.js', import.meta.url), 'utf8');

/**
 * The page's own script (src/dashboard/assets/refresher.js), run as the browser runs it, with a timer the test
 * fires by hand: what would start when is visible, with no waiting.
 */
function load() {
  const timers: Array<() => void> = [];
  const createRefresher = runInNewContext(`${SOURCE}\ncreateRefresher`, { setTimeout: (fn: () => void) => timers.push(fn) }) as CreateRefresher;
  const fire = async () => {
    const due = timers.splice(0);
    for (const fn of due) fn();
    await settle();
  };
  return { createRefresher, timers, fire };
}

/** Lets pending promise callbacks run (the loaders start one microtask after their run). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A loader whose reads the test answers by hand; `applied` is what the page would show, in order. */
function manualLoader() {
  const reads: Array<() => void> = [];
  const applied: number[] = [];
  const load = () => {
    const n = reads.length + 1;
    return new Promise<void>((resolve) => reads.push(() => { applied.push(n); resolve(); }));
  };
  return { load, reads, applied };
}

describe('the dashboard refresher (refresher.js)', () => {
  it('coalesces a burst into one timer and one load per kind', async () => {
    const { createRefresher, timers, fire } = load();
    const calls: string[] = [];
    const refresh = createRefresher({ a: async () => void calls.push('a'), b: async () => void calls.push('b') }, () => undefined);
    refresh('a');
    refresh('a', 'b');
    refresh('b');
    expect(timers).toHaveLength(1);
    await fire();
    expect(calls.sort()).toEqual(['a', 'b']);
    expect(timers).toHaveLength(0);
  });

  it('runs one load at a time: a refresh during a slow read waits for it, so an older answer never lands after a newer one', async () => {
    const { createRefresher, timers, fire } = load();
    const instances = manualLoader();
    const refresh = createRefresher({ instances: instances.load }, () => undefined);
    refresh('instances');
    await fire();
    expect(instances.reads).toHaveLength(1);
    // Events arrive while the first (slow) read is out: nothing else is scheduled.
    refresh('instances');
    refresh('instances');
    expect(timers).toHaveLength(0);
    instances.reads[0]?.();
    await settle();
    // Then one more read, for everything asked meanwhile, applied after the first.
    expect(timers).toHaveLength(1);
    await fire();
    expect(instances.reads).toHaveLength(2);
    instances.reads[1]?.();
    await settle();
    expect(instances.applied).toEqual([1, 2]);
    expect(timers).toHaveLength(0);
  });

  it('reports a failed load and keeps going', async () => {
    const { createRefresher, fire } = load();
    const errors: string[] = [];
    let ok = 0;
    const refresh = createRefresher({ bad: async () => { throw new Error('HTTP 500'); }, good: async () => void ok++ }, (e) => errors.push(e.message));
    refresh('bad', 'good');
    await fire();
    refresh('good');
    await fire();
    expect(errors).toEqual(['HTTP 500']);
    expect(ok).toBe(2);
  });
});
