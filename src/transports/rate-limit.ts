export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateDecision;
  /** Clients currently tracked (memory use is proportional to it). */
  readonly size: number;
}

export interface TokenBucketOptions {
  /** Sustained requests per minute; the bucket holds this many, so a client may burst a whole minute's worth. */
  readonly perMinute: number;
  readonly now: () => number;
  /** Buckets kept at most; past it, full (idle) buckets are dropped. Bounds memory under many addresses. */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A limiter that lets everything through (RATE_LIMIT_PER_MINUTE=0). */
export const UNLIMITED: RateLimiter = { take: () => ({ allowed: true }), size: 0 };

/** A token bucket per key: each request takes one token; tokens come back at perMinute/60 per second. */
export function createTokenBucketLimiter(options: TokenBucketOptions): RateLimiter {
  if (options.perMinute <= 0) return UNLIMITED;
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, Bucket>();

  const refill = (bucket: Bucket, now: number) => {
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
  };

  const prune = (now: number) => {
    for (const [key, bucket] of buckets) {
      refill(bucket, now);
      if (bucket.tokens >= capacity) buckets.delete(key);
    }
    // Still full of busy clients (many addresses at once): forget the oldest. It gets a fresh bucket, which is
    // lenient, but memory stays bounded whatever the number of addresses.
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys) break;
      buckets.delete(key);
    }
  };

  return {
    get size() {
      return buckets.size;
    },
    take(key) {
      const now = options.now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) prune(now);
        bucket = { tokens: capacity, updatedAt: now };
        buckets.set(key, bucket);
      } else refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
  };
}
