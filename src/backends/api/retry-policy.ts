import type { ApiFailure } from './api-failure.js';

/**
 * When to retry a failed Messages API call, as a pure decision (STYLE rule 8): the runner asks, the
 * policy answers "retry after N ms" or "give up, because ...". No loop, no clock, no sleeping here.
 */

/** Request timeout, lock conflict, rate limit, server errors and overload: worth another try. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** Error types the API sends mid-stream that mean "try again", the stream versions of the statuses above. */
const RETRYABLE_STREAM_ERRORS: ReadonlySet<string> = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

export interface RetrySettings {
  /** Retries after the first attempt (0 = never retry). */
  readonly maxRetries: number;
  /** No retry starts once this long has passed since the first attempt began (waits included). */
  readonly maxElapsedMs: number;
  /** The first backoff; each retry doubles it, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** `past_deadline`: the next wait would outlast the caller's own time (its turn's timeout); set by the runner. */
export type GiveUpReason = 'not_retryable' | 'out_of_retries' | 'out_of_time' | 'past_deadline';

export type RetryDecision = { readonly retry: true; readonly afterMs: number } | { readonly retry: false; readonly reason: GiveUpReason };

export interface AttemptSoFar {
  /** Retries already made for this call. */
  readonly retries: number;
  /** Time since the call's first attempt began. */
  readonly elapsedMs: number;
}

export function decideRetry(failure: ApiFailure, attempt: AttemptSoFar, settings: RetrySettings, random: () => number): RetryDecision {
  if (!isRetryable(failure)) return { retry: false, reason: 'not_retryable' };
  if (attempt.retries >= settings.maxRetries) return { retry: false, reason: 'out_of_retries' };
  // The server's wait wins over our backoff: it knows when capacity comes back.
  const afterMs = (failure.kind === 'status' ? failure.retryAfterMs : undefined) ?? backoffMs(attempt.retries, settings, random);
  if (attempt.elapsedMs + afterMs > settings.maxElapsedMs) return { retry: false, reason: 'out_of_time' };
  return { retry: true, afterMs };
}

export function isRetryable(failure: ApiFailure): boolean {
  switch (failure.kind) {
    case 'status':
      // x-should-retry: false is the server saying this one will fail again; "true" never widens the list.
      return failure.shouldRetry !== false && RETRYABLE_STATUSES.has(failure.status);
    case 'stream_error':
      return RETRYABLE_STREAM_ERRORS.has(failure.errorType);
    case 'connection':
    case 'stalled':
      return true;
    case 'other':
      return false;
  }
}

/** Rate limited or overloaded: the signal to send less at once, not just to try again. */
export function isCongestion(failure: ApiFailure): boolean {
  if (failure.kind === 'status') return failure.status === 429 || failure.status === 529;
  if (failure.kind === 'stream_error') return failure.errorType === 'rate_limit_error' || failure.errorType === 'overloaded_error';
  return false;
}

/**
 * Exponential backoff with "equal jitter": half the capped delay fixed, half random. The random half
 * spreads a fan-out's retries apart; the fixed half keeps every wait meaningful.
 */
export function backoffMs(retriesSoFar: number, settings: RetrySettings, random: () => number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retriesSoFar);
  return ceiling / 2 + random() * (ceiling / 2);
}
