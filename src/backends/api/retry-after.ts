/** The part of `Headers` this needs, so tests can pass a plain map. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long the server asked us to wait, in ms, or undefined when it did not say (or said something
 * unusable: not a number, zero or negative, or a date in the past). `retry-after-ms` wins (the
 * Anthropic SDKs read it first); `retry-after` is seconds or an HTTP date, read against `nowMs`
 * (wall clock, since an HTTP date is one).
 */
export function retryAfterMs(headers: HeaderSource | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const exact = headers.get('retry-after-ms');
  if (exact !== null && exact.trim() !== '') {
    const ms = Number(exact);
    if (Number.isFinite(ms) && ms > 0) return ms;
  }
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Number(value) * 1000;
    return ms > 0 ? ms : undefined;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const ms = at - nowMs;
  return ms > 0 ? ms : undefined;
}
