/** A requests-per-second limit, enforced like the real API's: a token bucket refilled continuously. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  /** How many requests may arrive at once after a quiet spell; default one second's worth (at least 1). */
  readonly burst?: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number; readonly resetAt: number };

/**
 * The bucket starts full. Each request takes one token; tokens come back at `requestsPerSecond`. A
 * request that finds the bucket empty is refused with the exact wait until the next token.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now: () => number) {
    if (!(limit.requestsPerSecond > 0)) throw new RangeError('rateLimit.requestsPerSecond must be positive');
    this.#rate = limit.requestsPerSecond / 1000;
    this.#capacity = Math.max(1, limit.burst ?? Math.ceil(limit.requestsPerSecond));
    this.#now = now;
    this.#tokens = this.#capacity;
    this.#at = now();
  }

  get limit(): number {
    return this.#rate * 1000;
  }

  take(): Admission {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    const retryAfterMs = Math.max(1, Math.ceil((1 - this.#tokens) / this.#rate));
    return { ok: false, retryAfterMs, resetAt: now + retryAfterMs };
  }
}
