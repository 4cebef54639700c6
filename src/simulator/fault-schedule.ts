import type { Fault, RecordedFault } from './faults.js';
import { drawRandomFault, type RandomFaults } from './random-faults.js';
import { TokenBucket, type RateLimit } from './rate-limit.js';
import type { ReplyRule } from './script.js';

/**
 * Decides which fault, if any, the next messages request gets. In order: a fault queued with
 * `injectFaults` (consumed one per request, so a test scripts "529, reset, then success"), a random fault
 * (the `randomFaults` rate), the requests-per-second limit, then the next unused fault of the rule that matched.
 */
export class FaultSchedule {
  readonly #now: () => number;
  #queue: Fault[] = [];
  #ruleUses = new WeakMap<ReplyRule, number>();
  #bucket: TokenBucket | undefined;
  readonly #random: RandomFaults | undefined;

  constructor(now: () => number, rateLimit?: RateLimit, randomFaults?: RandomFaults) {
    this.#now = now;
    this.#random = randomFaults;
    this.setRateLimit(rateLimit);
  }

  inject(faults: readonly Fault[]): void {
    this.#queue.push(...faults);
  }

  /** Faults queued and not yet used. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Replaces the limit (a fresh, full bucket), or removes it with undefined. */
  setRateLimit(limit: RateLimit | undefined): void {
    this.#bucket = limit ? new TokenBucket(limit, this.#now) : undefined;
  }

  /** Forgets queued faults and how many of each rule's faults were used. */
  reset(): void {
    this.#queue = [];
    this.#ruleUses = new WeakMap();
  }

  next(rule: ReplyRule | undefined): RecordedFault | undefined {
    const queued = this.#queue.shift();
    if (queued) return { ...queued, source: 'queue' };
    const random = drawRandomFault(this.#random);
    if (random) return { ...random, source: 'random' };
    const admission = this.#bucket?.take();
    if (admission && !admission.ok) return this.#rateLimited(admission.retryAfterMs, admission.resetAt);
    const ruleFaults = rule?.faults;
    if (!rule || !ruleFaults) return undefined;
    const used = this.#ruleUses.get(rule) ?? 0;
    const fault = ruleFaults[used];
    if (!fault) return undefined;
    this.#ruleUses.set(rule, used + 1);
    return { ...fault, source: 'rule' };
  }

  #rateLimited(retryAfterMs: number, resetAt: number): RecordedFault {
    const limit = this.#bucket?.limit ?? 0;
    return {
      kind: 'status',
      status: 429,
      // Whole seconds as the API sends them, plus the exact wait so fast tests need not sleep a second.
      retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      retryAfterMs,
      message: `This request would exceed the simulator's rate limit of ${limit} requests per second. Please try again later.`,
      headers: {
        'anthropic-ratelimit-requests-limit': String(limit),
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': new Date(resetAt).toISOString(),
      },
      source: 'rate_limit',
    };
  }
}
