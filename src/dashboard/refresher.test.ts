import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

type Refresh = (...what: string[]) => void;
type CreateRefresher = (loaders: Record<string, () => Promise<void>>, onError: (e: Error) => void, delayMs?: number) => Refresh;

/** The page's own script (src/dashboard/assets/refresher.js), run as the browser would run it. */
const createRefresher = runInNewContext(`${readFileSync(new URL('./assets/refresher.js', import.meta.url), 'utf8')}\ncreateRefresher`, { setTimeout, clearTimeout }) as CreateRefresher;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A loader whose reads the test answers by hand, in any order; `applied` is what the page would show, in order. */
function manualLoader() {
  const reads: Array<{ n: number; answer: () => void }> = [];
  const applied: number[] = [];
  let count = 0;
  const load = () => {
    const n = ++count;
    return new Promise<void>((resolve) => reads.push({ n, answer: () => { applied.push(n); resolve(); } }));
  };
  return { load, reads, applied, calls: () => count };
}

describe('the dashboard refresher (refresher.js)', () => {
  it('coalesces a burst into one load per kind', async () => {
    const calls: string[] = [];
    const refresh = createRefresher({ a: async () => void calls.push('a'), b: async () => void calls.push('b') }, () => undefined, 0);
    refresh('a');
    refresh('a', 'b');
    refresh('b');
    await until(() => calls.length === 2, 'one load of each');
    expect(calls.sort()).toEqual(['a', 'b']);
  });

  it('runs one load at a time: a refresh during a slow read waits for it, so an older answer never lands after a newer one', async () => {
    const instances = manualLoader();
    const refresh = createRefresher({ instances: instances.load }, () => undefined, 0);
    refresh('instances');
    await until(() => instances.reads.length === 1, 'the first read');
    // Events arrive while the first (slow) read is out: no second read starts yet.
    refresh('instances');
    refresh('instances');
    await new Promise((r) => setTimeout(r, 20));
    expect(instances.calls()).toBe(1);
    instances.reads[0]?.answer();
    // Then exactly one more read, for everything asked meanwhile, applied after the first.
    await until(() => instances.reads.length === 2, 'the next read');
    instances.reads[1]?.answer();
    await until(() => instances.applied.length === 2, 'both applied');
    expect(instances.applied).toEqual([1, 2]);
    expect(instances.calls()).toBe(2);
  });

  it('reports a failed load and keeps going', async () => {
    const errors: string[] = [];
    let ok = 0;
    const refresh = createRefresher({ bad: async () => { throw new Error('HTTP 500'); }, good: async () => void ok++ }, (e) => errors.push(e.message), 0);
    refresh('bad', 'good');
    await until(() => errors.length === 1 && ok === 1, 'both loads');
    refresh('good');
    await until(() => ok === 2, 'a later load');
    expect(errors).toEqual(['HTTP 500']);
  });
});
