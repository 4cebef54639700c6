import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { AdaptiveConcurrencyLimiter, OpenLimiter, type LimiterClock, type Permit } from './concurrency-limiter.js';

/** A clock the test moves; timers fire when it passes them. */
function manualClock(): LimiterClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    after(ms, fn) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

const signal = () => new AbortController().signal;
const WALL = Date.parse('2026-11-25T12:00:00Z');

async function take(limiter: AdaptiveConcurrencyLimiter, n: number): Promise<Permit[]> {
  return Promise.all(Array.from({ length: n }, () => limiter.acquire(signal())));
}

/** Settles pending promise callbacks, so a test can see which acquisitions were granted. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('adaptive concurrency limiter', () => {
  it('starts fully open: the whole ceiling goes at once', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 8, clock: manualClock() });
    await take(limiter, 8);
    expect(limiter.inFlight).toBe(8);
    let ninth = false;
    void limiter.acquire(signal()).then(() => (ninth = true));
    await settle();
    expect(ninth).toBe(false);
    expect(limiter.waiting).toBe(1);
  });

  it('halves once per round, however many requests of that round were rejected', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 64, clock: manualClock() });
    const round1 = await take(limiter, 50);
    for (const permit of round1) permit.release({ kind: 'congestion' });
    expect(limiter.limit).toBe(32);

    const round2 = await take(limiter, 32);
    round2[0]?.release({ kind: 'congestion' });
    round2[1]?.release({ kind: 'congestion' });
    expect(limiter.limit).toBe(16);
    for (const permit of round2.slice(2)) permit.release({ kind: 'failure' });
    expect(limiter.limit).toBe(16);
  });

  it('never goes below the floor', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 4, floor: 2, clock: manualClock() });
    for (let i = 0; i < 5; i++) (await limiter.acquire(signal())).release({ kind: 'congestion' });
    expect(limiter.limit).toBe(2);
  });

  it('grows back by about one per limit of successes once rejections stop, up to the ceiling', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 8, clock: manualClock() });
    for (let i = 0; i < 3; i++) (await limiter.acquire(signal())).release({ kind: 'congestion' });
    expect(limiter.limit).toBe(1);
    (await limiter.acquire(signal())).release({ kind: 'success' });
    expect(limiter.limit).toBe(2);
    // +1/2, +1/2.5, +1/2.9: a little under one per window, as TCP's congestion avoidance.
    for (let i = 0; i < 3; i++) (await limiter.acquire(signal())).release({ kind: 'success' });
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 100; i++) (await limiter.acquire(signal())).release({ kind: 'success' });
    expect(limiter.limit).toBe(8);
  });

  it("pauses every new request for the server's retry-after, then probes with one and climbs back", async () => {
    const clock = manualClock();
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 8, clock });
    (await limiter.acquire(signal())).release({ kind: 'congestion', retryAfterMs: 1_000 });
    expect(limiter.paused).toBe(true);
    const granted: Permit[] = [];
    for (let i = 0; i < 6; i++) void limiter.acquire(signal()).then((permit) => granted.push(permit));
    await settle();
    expect(granted).toHaveLength(0);
    clock.advance(999);
    await settle();
    expect(granted).toHaveLength(0);
    clock.advance(1);
    await settle();
    // One probe first: the server just said the key was over its limit.
    expect(granted).toHaveLength(1);
    expect(limiter.limit).toBe(1);
    // Each success adds one until half the old limit (slow start): 1 → 2 → 3 → 4.
    granted[0]?.release({ kind: 'success' });
    await settle();
    expect(granted).toHaveLength(3);
    granted[1]?.release({ kind: 'success' });
    granted[2]?.release({ kind: 'success' });
    await settle();
    expect(limiter.limit).toBe(4);
    expect(granted).toHaveLength(6);
  });

  it('serves waiters oldest call first, so a retry goes ahead of newer work', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 1, clock: manualClock() });
    const first = await limiter.acquire(signal());
    const order: string[] = [];
    const queue = (name: string, since?: number) =>
      void limiter.acquire(signal(), since === undefined ? {} : { since }).then((permit) => {
        order.push(name);
        permit.release({ kind: 'success' });
      });
    queue('new a', 20);
    queue('untimed');
    queue('new b', 30);
    queue('retry of an older call', 10);
    first.release({ kind: 'success' });
    await settle();
    expect(order).toEqual(['retry of an older call', 'new a', 'new b', 'untimed']);
  });

  it('stops waiting when the signal aborts, with its reason, and keeps serving the rest', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 1, clock: manualClock() });
    const held = await limiter.acquire(signal());
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new OrchestratorError('timeout', 'too slow'));
    await expect(waiting).rejects.toMatchObject({ code: 'timeout' });
    expect(limiter.waiting).toBe(0);
    held.release({ kind: 'success' });
    held.release({ kind: 'congestion' }); // a second release changes nothing
    expect(limiter.inFlight).toBe(0);
    expect(limiter.limit).toBe(1);
    await expect(limiter.acquire(AbortSignal.abort('no reason given as an Error'))).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('caps a retry-after pause at maxPauseMs, then lets one probe go', async () => {
    const clock = manualClock();
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 4, maxPauseMs: 60_000, clock, wallNow: () => WALL });
    (await limiter.acquire(signal())).release({ kind: 'congestion', retryAfterMs: 3_600_000 });
    expect(limiter.hold()).toMatchObject({ capped: true, askedMs: 3_600_000, liftsAtWallMs: WALL + 60_000, askedUntilWallMs: WALL + 3_600_000 });
    let granted = false;
    const probe = limiter.acquire(signal()).then((permit) => {
      granted = true;
      return permit;
    });
    clock.advance(59_999);
    await settle();
    expect(granted).toBe(false);
    clock.advance(1);
    await settle();
    expect(granted).toBe(true);
    expect(limiter.paused).toBe(false);
    expect(limiter.hold()).toBeUndefined();
    (await probe).release({ kind: 'success' });
  });

  it('refuses at once, saying when to retry, a caller that cannot wait out the pause', async () => {
    const clock = manualClock();
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 4, maxPauseMs: 60_000, clock, wallNow: () => WALL });
    (await limiter.acquire(signal())).release({ kind: 'congestion', retryAfterMs: 3_600_000 });
    const refusal = await limiter.acquire(signal(), { maxWaitMs: 5_000 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OrchestratorError);
    expect(refusal).toMatchObject({ code: 'backend_unavailable', details: { retry_after_seconds: 60, api_retry_after_seconds: 3600, not_sent: true, retry_at: '2026-11-25T12:01:00.000Z' } });
    expect((refusal as Error).message).toBe(
      'The Messages API asked to wait until 13:00:00 UTC (retry-after 3600 s); this server holds new model calls only until 12:01:00 UTC ' +
        '(a hold is capped at API_RETRY_MAX_SECONDS) and then tries one, but this call cannot wait that long, so it was not sent. Try again after 12:01:00 UTC.',
    );
    // One that can wait the pause out waits.
    const patient = limiter.acquire(signal(), { maxWaitMs: 120_000 });
    expect(limiter.waiting).toBe(1);
    clock.advance(60_000);
    (await patient).release({ kind: 'success' });
  });

  it('refuses the waiters a new pause would keep past their time, and keeps the rest waiting', async () => {
    const clock = manualClock();
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 1, clock, wallNow: () => WALL });
    const held = await limiter.acquire(signal());
    const hurried = limiter.acquire(signal(), { maxWaitMs: 1_000 }).catch((error: unknown) => error);
    const patient = limiter.acquire(signal(), { maxWaitMs: 10_000 });
    held.release({ kind: 'congestion', retryAfterMs: 5_000 });
    expect(await hurried).toMatchObject({ code: 'backend_unavailable', details: { retry_after_seconds: 5, not_sent: true } });
    expect(((await hurried) as Error).message).toBe(
      'The Messages API asked to wait until 12:00:05 UTC (retry-after 5 s); this call cannot wait that long, so it was not sent. Try again after 12:00:05 UTC.',
    );
    expect(limiter.waiting).toBe(1);
    clock.advance(5_000);
    (await patient).release({ kind: 'success' });
  });

  it("pauses only the scope told to wait: another scope's requests go, even past an older paused waiter", async () => {
    const clock = manualClock();
    const limiter = new AdaptiveConcurrencyLimiter({ ceiling: 4, clock, wallNow: () => WALL });
    const first = await limiter.acquire(signal(), { scope: 'opus' });
    const second = await limiter.acquire(signal(), { scope: 'opus' });
    first.release({ kind: 'congestion', retryAfterMs: 10_000 });
    const order: string[] = [];
    const held = limiter.acquire(signal(), { scope: 'opus', since: 0 }).then((p) => (order.push('opus'), p));
    second.release({ kind: 'success' });
    const other = limiter.acquire(signal(), { scope: 'haiku', since: 1 }).then((p) => (order.push('haiku'), p));
    (await other).release({ kind: 'success' });
    expect(order).toEqual(['haiku']);
    expect(limiter.hold('opus')).toBeDefined();
    expect(limiter.hold('haiku')).toBeUndefined();
    clock.advance(10_000);
    (await held).release({ kind: 'success' });
    expect(order).toEqual(['haiku', 'opus']);
  });

  it('has an open twin that never waits (the behaviour without a limiter)', async () => {
    const open = new OpenLimiter();
    const permits = await Promise.all(Array.from({ length: 500 }, () => open.acquire(signal())));
    expect(permits).toHaveLength(500);
  });
});
