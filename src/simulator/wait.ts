/**
 * Waits `ms`, or less if `signal` aborts first. Resolves true when the full wait elapsed and false
 * when it was cut short; either way no timer is left behind to keep the process alive.
 */
export function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export type Latency = number | { min: number; max: number };

/** A fixed latency, or one drawn uniformly from [min, max]; negative values count as 0. */
export function pickLatency(latency: Latency | undefined, random: () => number = Math.random): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return Math.max(0, latency);
  const min = Math.max(0, Math.min(latency.min, latency.max));
  const max = Math.max(0, latency.min, latency.max);
  return min + random() * (max - min);
}
