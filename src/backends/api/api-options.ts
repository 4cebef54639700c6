import type { Sleep } from '../../async/sleep.js';
import type { Session, SessionSpec } from '../backend.js';
import type { LimiterClock } from './concurrency-limiter.js';
import type { PromptCaching } from './prompt-cache.js';
import type { RetryNotice } from './retrying-call.js';

export interface ApiBackendOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  /** Retries per model call on 408/409/429/5xx/529, connection resets and mid-reply errors (0 = none). */
  readonly maxRetries?: number;
  /** No retry starts this long after a model call's first attempt. */
  readonly retryMaxSeconds?: number;
  /** First backoff, doubling per retry up to retryMaxDelayMs; tests make both tiny. */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** A model stream with no event for this long is aborted and retried as a fault (default STALL_TIMEOUT_SECONDS's). */
  readonly stallTimeoutSeconds?: number;
  /** Ceiling of the adaptive limit on requests in flight (shared by every session of this backend). */
  readonly maxInFlight?: number;
  /** False sends every request at once, with no limiter (for comparison; default true). */
  readonly adaptiveConcurrency?: boolean;
  /** Default: on, 5-minute TTL. */
  readonly promptCaching?: PromptCaching;
  /** Monotonic ms for durations and the retry time bound (default performance.now). */
  readonly now?: () => number;
  /** Wall-clock ms, to read a retry-after given as an HTTP date (default Date.now). */
  readonly wallNow?: () => number;
  /** The wait between retries (default a real, abortable timer); tests record the delays instead. */
  readonly sleep?: Sleep;
  /** Jitter source for backoff (default Math.random). */
  readonly random?: () => number;
  /** Time for the limiter's retry-after pause (default real timers). */
  readonly limiterClock?: LimiterClock;
  /** Told before each retry's wait, with the instance it was for (for logs). */
  readonly onRetry?: (notice: RetryNotice & { readonly instanceId: string }) => void;
}

/** What the api backend needs the SDK for, built once, on the first turn (api-runtime.ts). */
export interface ApiRuntime {
  session(spec: SessionSpec): Session;
}
