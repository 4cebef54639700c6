import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const headers = (values: Record<string, string>) => new Headers(values);

describe('retry-after', () => {
  it('reads seconds, fractional seconds and milliseconds', () => {
    expect(retryAfterMs(headers({ 'retry-after': '7' }), NOW)).toBe(7_000);
    expect(retryAfterMs(headers({ 'retry-after': '0.25' }), NOW)).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after-ms': '1234' }), NOW)).toBe(1_234);
  });

  it('prefers retry-after-ms, the exact one, when both are sent', () => {
    expect(retryAfterMs(headers({ 'retry-after': '2', 'retry-after-ms': '1500' }), NOW)).toBe(1_500);
  });

  it('reads an HTTP date against the wall clock', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT' }), NOW)).toBe(30_000);
  });

  it('ignores what cannot be a wait: nothing, garbage, zero, negative, a date in the past', () => {
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
    expect(retryAfterMs(headers({}), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '0' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '-3' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 25 Nov 2026 11:59:00 GMT' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after-ms': 'x', 'retry-after': '3' }), NOW)).toBe(3_000);
  });
});
