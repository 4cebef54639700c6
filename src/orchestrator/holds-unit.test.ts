import { describe, expect, it } from 'vitest';
import { randomId } from '../domain/ids.js';
import { usageFromApi } from '../domain/usage.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store, Tx } from '../store/store.js';
import { bound } from '../test-support/bound.js';
import { record } from '../test-support/records.js';
import { EventBus, type DomainEvent } from './events.js';
import { Holds } from './holds.js';

const settings = { maxOutputTokens: 8_192, minOutputTokens: 256, maxTotalCostUsd: 100 };
const usage = usageFromApi({ input_tokens: 1_000, output_tokens: 100 });

function holdsOver(store: Store, deferred: string[] = []) {
  const events: DomainEvent[] = [];
  const bus = new EventBus((error) => {
    throw error;
  });
  bus.subscribe((e) => events.push(e));
  const holds = new Holds({ store, events: bus, prices: BUILTIN_PRICE_TABLE, ids: randomId, now: () => 0, owner: 'me', settings, pollMs: 10, onDeferred: (_e, id) => deferred.push(id) });
  return { holds, events };
}

/** A store whose transactions fail while `failing()` says so: a locked or full disk, seen from the kernel. */
function flakyStore(inner: Store, failing: () => boolean): Store {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return bound(target, prop, receiver);
      return <T,>(fn: (tx: Tx) => Promise<T>) => (failing() ? Promise.reject(new Error('disk I/O error')) : target.transaction(fn));
    },
  });
}

describe('Holds', () => {
  it('settles and charges a call even when nobody listens for the charge', async () => {
    const store = new MemoryStore();
    await store.transaction((tx) => tx.insertInstance(record('inst_a', { limits: { maxTotalTokens: 100_000, maxCostNanos: null, timeoutMinutes: 60 } })));
    const { holds, events } = holdsOver(store);
    const hold = await holds.acquire('inst_a', { promptTokens: 500 }, new AbortController().signal);
    await hold.settle({ usage, model: 'claude-sonnet-5-5', durationMs: 1 });
    expect(await store.getInstance('inst_a')).toMatchObject({ usage, held: { tokens: 0, nanos: 0 }, subtree: { tokens: 1_100 } });
    expect(events.map((e) => e.type)).toEqual(['call.settled']);
    await hold.settle({ usage, model: 'claude-sonnet-5-5', durationMs: 1 });
    await hold.release();
    expect((await store.getInstance('inst_a'))?.usage).toEqual(usage);
    await store.close();
  });

  it('prices a hold at the dearer of the instance model and the model the call asks for', async () => {
    const store = new MemoryStore();
    const cheap = { maxTotalTokens: 1_000_000, maxCostNanos: 50_000_000, timeoutMinutes: 60 };
    await store.transaction((tx) => tx.insertInstance(record('inst_haiku', { model: 'claude-haiku-5-5', limits: cheap })));
    const { holds } = holdsOver(store);
    const signal = new AbortController().signal;
    const own = await holds.acquire('inst_haiku', { promptTokens: 1_000 }, signal);
    const dearer = await holds.acquire('inst_haiku', { promptTokens: 1_000, model: 'claude-opus-5-5' }, signal);
    expect(dearer.maxTokens).toBeLessThan(own.maxTokens);
    await own.release();
    await dearer.release();
    // An unknown model is priced as the instance's, as its charge will be.
    const unknown = await holds.acquire('inst_haiku', { promptTokens: 1_000, model: 'claude-unknown-9' }, signal);
    expect(unknown.maxTokens).toBe(own.maxTokens);
    await unknown.release();
    await store.close();
  });

  it('refuses a call of an instance that was terminated in the middle of its turn', async () => {
    const store = new MemoryStore();
    await store.transaction((tx) => tx.insertInstance(record('inst_gone', { state: 'terminated', stateReason: 'parent_terminated' })));
    const { holds } = holdsOver(store);
    await expect(holds.acquire('inst_gone', { promptTokens: 10 }, new AbortController().signal)).rejects.toMatchObject({ code: 'invalid_state' });
    await store.close();
  });

  it('keeps a settlement the store refuses, writes it again at the next chance, and charges it exactly once', async () => {
    const inner = new MemoryStore();
    await inner.transaction((tx) => tx.insertInstance(record('inst_a', { limits: { maxTotalTokens: 100_000, maxCostNanos: null, timeoutMinutes: 60 } })));
    let down = false;
    const deferred: string[] = [];
    const { holds, events } = holdsOver(flakyStore(inner, () => down), deferred);
    const hold = await holds.acquire('inst_a', { promptTokens: 500 }, new AbortController().signal);
    down = true;
    await hold.settle({ usage, model: 'claude-sonnet-5-5', durationMs: 1 });
    expect(deferred).toHaveLength(1);
    expect((await inner.getInstance('inst_a'))?.held.tokens).toBeGreaterThan(0);
    expect(await holds.retryDeferred()).toBe(1);
    down = false;
    expect(await holds.retryDeferred()).toBe(0);
    expect(await holds.retryDeferred()).toBe(0);
    expect(await inner.getInstance('inst_a')).toMatchObject({ usage, held: { tokens: 0, nanos: 0 } });
    expect(events.filter((e) => e.type === 'call.settled')).toHaveLength(1);
    await inner.close();
  });
});
