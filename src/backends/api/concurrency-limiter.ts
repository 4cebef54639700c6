import { OrchestratorError } from '../../domain/errors.js';
import { holdRefusal, type HoldState } from './hold-refusal.js';
import { RetryAfterPauses } from './retry-after-pauses.js';

/** How a request held by a permit ended, as far as the limiter cares. */
export type RequestOutcome =
  | { readonly kind: 'success' }
  /** Rate limited or overloaded; `retryAfterMs` when the server said how long to back off. */
  | { readonly kind: 'congestion'; readonly retryAfterMs?: number }
  /** Any other failure: says nothing about capacity, so it changes nothing. */
  | { readonly kind: 'failure' };

export interface Permit {
  /** Gives the slot back and reports how the request went. Only the first call counts. */
  release(outcome: RequestOutcome): void;
}

export interface AcquireOptions {
  /**
   * When the call's first attempt began (ms, any clock, the same for every call). Waiters are served
   * oldest call first, so a retry goes ahead of newer work and no call starves.
   */
  readonly since?: number;
  /**
   * The longest this caller can wait (its turn's remaining time). A retry-after hold that would keep it
   * longer refuses it at once with an error that says when to try again, instead of letting it time out.
   */
  readonly maxWaitMs?: number;
  /**
   * What a retry-after pause applies to: the model the request is for (the API rate-limits a key per
   * model). A pause on one scope never holds another's requests. Default: one scope for everything.
   */
  readonly scope?: string;
}

/** Gates requests to the API: wait for a permit before sending, release it when the reply is done. */
export interface RequestLimiter {
  acquire(signal: AbortSignal, options?: AcquireOptions): Promise<Permit>;
}

/** Time for the limiter's back-off pause; injected so tests move time themselves. */
export interface LimiterClock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export interface AdaptiveLimiterSettings {
  /** Most requests in flight; the limiter starts here, fully open. */
  readonly ceiling: number;
  /** Never fewer than this many in flight (default 1). */
  readonly floor?: number;
  /** What the limit is multiplied by on congestion (default 0.5); also where slow start stops. */
  readonly decrease?: number;
  /**
   * The longest a retry-after holds new requests (default: no cap). A longer retry-after (say an hour)
   * holds them this long, then one probe goes: one answer never stalls every instance for its full wait.
   */
  readonly maxPauseMs?: number;
  readonly clock?: LimiterClock;
  /** Wall-clock ms, to tell a refused caller when to try again (default Date.now). */
  readonly wallNow?: () => number;
}

interface Waiter {
  readonly since: number;
  /** Limiter-clock ms past which this caller cannot wait. */
  readonly waitsUntil: number;
  readonly scope: string;
  readonly resolve: (permit: Permit) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

const REAL_CLOCK: LimiterClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    // The pause must never keep a process alive on its own.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * One AIMD limit on in-flight requests for one API key (TCP congestion control, applied to requests):
 *
 * - It starts at `ceiling`, so a healthy API sees no throttling at all.
 * - On a 429/529 the limit is cut, once per round: only a request sent under the current limit can
 *   cut it again, so fifty simultaneous 429s count as one signal, not fifty.
 * - A cut without retry-after halves the limit. A retry-after also pauses every new request of its
 *   scope (the model: the server is talking about the key and model, not one request) until then, at
 *   most `maxPauseMs`, and afterwards one probe goes first; each success then adds one (slow start)
 *   until half the old limit. Requests of other scopes are not paused, only limited. A caller that
 *   cannot wait out its pause (`maxWaitMs`) is refused at once, with when to try again.
 * - Past that, each success adds 1/limit: about one more per limit's worth of successes, so it grows
 *   back steadily once the rejections stop.
 * - Waiters are served oldest call first, so retries go ahead of new work and no call starves.
 */
export class AdaptiveConcurrencyLimiter implements RequestLimiter {
  readonly #ceiling: number;
  readonly #floor: number;
  readonly #decrease: number;
  readonly #clock: LimiterClock;
  readonly #pauses: RetryAfterPauses;
  readonly #wallNow: () => number;
  #limit: number;
  /** Below this the limit grows by one per success (slow start); above it by 1/limit (congestion avoidance). */
  #threshold: number;
  #inFlight = 0;
  #round = 0;
  #cancelWake: (() => void) | undefined;
  /** When the pending wake-up fires (limiter clock). */
  #wakeAt = Number.POSITIVE_INFINITY;
  readonly #queue: Waiter[] = [];

  constructor(settings: AdaptiveLimiterSettings) {
    this.#ceiling = Math.max(1, settings.ceiling);
    this.#floor = Math.min(this.#ceiling, Math.max(1, settings.floor ?? 1));
    this.#decrease = settings.decrease ?? 0.5;
    this.#clock = settings.clock ?? REAL_CLOCK;
    this.#pauses = new RetryAfterPauses(settings.maxPauseMs ?? Number.POSITIVE_INFINITY);
    this.#wallNow = settings.wallNow ?? Date.now;
    this.#limit = this.#ceiling;
    this.#threshold = this.#ceiling;
  }

  /** Requests that may be in flight at once right now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** True while a server's retry-after holds some scope's new requests back. */
  get paused(): boolean {
    return this.#pauses.any(this.#clock.now());
  }

  /** The hold in force on `scope`, or undefined when none is. */
  hold(scope = ''): HoldState | undefined {
    return this.#pauses.state(scope, this.#clock.now(), this.#wallNow());
  }

  acquire(signal: AbortSignal, options: AcquireOptions = {}): Promise<Permit> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const scope = options.scope ?? '';
    if (this.#queue.length === 0 && this.#canStart(scope)) return Promise.resolve(this.#grant(scope));
    const now = this.#clock.now();
    const waitsUntil = now + (options.maxWaitMs ?? Number.POSITIVE_INFINITY);
    if (waitsUntil < this.#pauses.until(scope, now)) return Promise.reject(this.#refusal(scope));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        since: options.since ?? Number.POSITIVE_INFINITY,
        waitsUntil,
        scope,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(abortReason(signal));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      const after = this.#queue.findIndex((other) => other.since > waiter.since);
      this.#queue.splice(after < 0 ? this.#queue.length : after, 0, waiter);
      this.#pump();
    });
  }

  #canStart(scope: string): boolean {
    const now = this.#clock.now();
    return this.#inFlight < this.limit && this.#pauses.until(scope, now) <= now;
  }

  #grant(scope: string): Permit {
    this.#inFlight += 1;
    const round = this.#round;
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.#inFlight -= 1;
        this.#adjust(outcome, round, scope);
        this.#pump();
      },
    };
  }

  #adjust(outcome: RequestOutcome, round: number, scope: string): void {
    if (outcome.kind === 'success') {
      const step = this.#limit < this.#threshold ? 1 : 1 / this.#limit;
      this.#limit = Math.min(this.#ceiling, this.#limit + step);
      return;
    }
    if (outcome.kind !== 'congestion') return;
    const pause = outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0;
    if (round === this.#round) {
      this.#threshold = Math.max(this.#floor, this.#limit * this.#decrease);
      // A server that says "wait" gets one probe after the wait, then a doubling climb back to the threshold.
      this.#limit = pause ? this.#floor : this.#threshold;
      this.#round += 1;
    }
    if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0) {
      const until = this.#pauses.extend(scope, this.#clock.now(), outcome.retryAfterMs);
      if (until !== undefined) this.#refuseThoseWhoCannotWait(scope, until);
    }
  }

  /** Waiters whose time runs out before their scope's pause ends get the honest refusal now, not a timeout later. */
  #refuseThoseWhoCannotWait(scope: string, until: number): void {
    for (const waiter of this.#queue.filter((w) => w.scope === scope && w.waitsUntil < until)) {
      this.#queue.splice(this.#queue.indexOf(waiter), 1);
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.reject(this.#refusal(scope));
    }
  }

  #refusal(scope: string): OrchestratorError {
    return holdRefusal(this.hold(scope) as HoldState, this.#wallNow());
  }

  /** Serves waiters oldest first, passing over those whose scope is paused; wakes when the first such pause ends. */
  #pump(): void {
    const now = this.#clock.now();
    for (let i = 0; i < this.#queue.length && this.#inFlight < this.limit; ) {
      const waiter = this.#queue[i] as Waiter;
      if (this.#pauses.until(waiter.scope, now) > now) {
        i += 1;
        continue;
      }
      this.#queue.splice(i, 1);
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#grant(waiter.scope));
    }
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const waiter of this.#queue) {
      const until = this.#pauses.until(waiter.scope, now);
      if (until > now) wakeAt = Math.min(wakeAt, until);
    }
    if (wakeAt === Number.POSITIVE_INFINITY || wakeAt >= this.#wakeAt) return;
    this.#cancelWake?.();
    this.#wakeAt = wakeAt;
    this.#cancelWake = this.#clock.after(wakeAt - now, () => {
      this.#cancelWake = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      this.#pump();
    });
  }
}

/** No limit at all: every request goes at once (the behaviour without a limiter, for comparison). */
export class OpenLimiter implements RequestLimiter {
  acquire(signal: AbortSignal): Promise<Permit> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return Promise.resolve({ release: () => undefined });
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new OrchestratorError('cancelled', 'Cancelled while waiting for a free API slot.');
}
