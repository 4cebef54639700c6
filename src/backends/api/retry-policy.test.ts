import { describe, expect, it } from 'vitest';
import type { ApiFailure } from './api-failure.js';
import { backoffMs, decideRetry, isCongestion, isRetryable, RETRYABLE_STATUSES, type RetrySettings } from './retry-policy.js';

const SETTINGS: RetrySettings = { maxRetries: 4, maxElapsedMs: 60_000, baseDelayMs: 500, maxDelayMs: 8_000 };
const FIRST = { retries: 0, elapsedMs: 0 };
const HALF = () => 0.5;

function status(code: number, extra: Partial<Extract<ApiFailure, { kind: 'status' }>> = {}): ApiFailure {
  return { kind: 'status', status: code, errorType: null, message: 'x', retryAfterMs: undefined, shouldRetry: undefined, ...extra };
}

describe('retry policy', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])('retries %i', (code) => {
    expect(isRetryable(status(code))).toBe(true);
    expect(decideRetry(status(code), FIRST, SETTINGS, HALF)).toEqual({ retry: true, afterMs: 375 });
  });

  it.each([400, 401, 402, 403, 404, 405, 413, 422, 501])('never retries %i', (code) => {
    expect(decideRetry(status(code), FIRST, SETTINGS, HALF)).toEqual({ retry: false, reason: 'not_retryable' });
  });

  it('retries exactly the documented statuses', () => {
    expect([...RETRYABLE_STATUSES].sort((a, b) => a - b)).toEqual([408, 409, 429, 500, 502, 503, 504, 529]);
  });

  it('obeys x-should-retry: false, and never lets "true" widen the list', () => {
    expect(isRetryable(status(503, { shouldRetry: false }))).toBe(false);
    expect(isRetryable(status(400, { shouldRetry: true }))).toBe(false);
  });

  it('retries connection failures and retryable mid-stream errors, nothing else', () => {
    expect(isRetryable({ kind: 'connection', message: 'reset', midStream: false })).toBe(true);
    expect(isRetryable({ kind: 'connection', message: 'terminated', midStream: true })).toBe(true);
    for (const type of ['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']) {
      expect(isRetryable({ kind: 'stream_error', errorType: type, message: 'x' })).toBe(true);
    }
    expect(isRetryable({ kind: 'stream_error', errorType: 'invalid_request_error', message: 'x' })).toBe(false);
    expect(isRetryable({ kind: 'other', message: 'bug' })).toBe(false);
  });

  it("waits what the server asked for instead of its own backoff", () => {
    expect(decideRetry(status(429, { retryAfterMs: 7_000 }), { retries: 3, elapsedMs: 0 }, SETTINGS, HALF)).toEqual({ retry: true, afterMs: 7_000 });
  });

  it('backs off exponentially with jitter, up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, SETTINGS, () => 0))).toEqual([250, 500, 1_000, 2_000, 4_000, 4_000]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, SETTINGS, () => 1))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000]);
  });

  it('gives up after the last allowed retry', () => {
    expect(decideRetry(status(529), { retries: 3, elapsedMs: 0 }, SETTINGS, HALF)).toMatchObject({ retry: true });
    expect(decideRetry(status(529), { retries: 4, elapsedMs: 0 }, SETTINGS, HALF)).toEqual({ retry: false, reason: 'out_of_retries' });
    expect(decideRetry(status(529), FIRST, { ...SETTINGS, maxRetries: 0 }, HALF)).toEqual({ retry: false, reason: 'out_of_retries' });
  });

  it('gives up when the wait would pass the time bound, however few retries were made', () => {
    expect(decideRetry(status(429, { retryAfterMs: 61_000 }), FIRST, SETTINGS, HALF)).toEqual({ retry: false, reason: 'out_of_time' });
    expect(decideRetry(status(500), { retries: 1, elapsedMs: 59_900 }, SETTINGS, HALF)).toEqual({ retry: false, reason: 'out_of_time' });
    expect(decideRetry(status(500), { retries: 1, elapsedMs: 59_000 }, SETTINGS, HALF)).toEqual({ retry: true, afterMs: 750 });
  });

  it('treats 429, 529 and their mid-stream forms as congestion, and nothing else', () => {
    expect(isCongestion(status(429))).toBe(true);
    expect(isCongestion(status(529))).toBe(true);
    expect(isCongestion({ kind: 'stream_error', errorType: 'overloaded_error', message: 'x' })).toBe(true);
    expect(isCongestion({ kind: 'stream_error', errorType: 'rate_limit_error', message: 'x' })).toBe(true);
    expect(isCongestion(status(503))).toBe(false);
    expect(isCongestion({ kind: 'connection', message: 'reset', midStream: false })).toBe(false);
  });
});
