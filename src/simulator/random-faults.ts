import type { Fault } from './faults.js';

/**
 * Faults drawn at random, for soaks and chaos runs: with probability `rate`, a messages request gets one of
 * a 429 (with a short retry-after), a 529, a 500 or a connection reset before any response, each as likely.
 * Queued faults still come first; the rate limit and rule faults apply to the requests this one spares.
 */
export interface RandomFaults {
  /** Probability in [0, 1] that a request gets a fault. */
  readonly rate: number;
  /** Uniform in [0, 1); default Math.random. Tests pass a seeded source. */
  readonly random?: () => number;
}

const RANDOM_KINDS: readonly Fault[] = [
  // A short wait, as the API sends under load; the client retries within API_RETRY_MAX_SECONDS.
  { kind: 'status', status: 429, retryAfterSeconds: 1, retryAfterMs: 250, message: 'This request would exceed the rate limit for your organization. (simulated, random fault)' },
  { kind: 'status', status: 529, message: 'Overloaded (simulated, random fault)' },
  { kind: 'status', status: 500, message: 'Internal server error (simulated, random fault)' },
  { kind: 'reset' },
];

/** The random fault for this request, or undefined when it is spared. */
export function drawRandomFault(faults: RandomFaults | undefined): Fault | undefined {
  if (!faults || faults.rate <= 0) return undefined;
  const random = faults.random ?? Math.random;
  if (random() >= faults.rate) return undefined;
  return RANDOM_KINDS[Math.min(RANDOM_KINDS.length - 1, Math.floor(random() * RANDOM_KINDS.length))];
}
