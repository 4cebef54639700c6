import Anthropic from '@anthropic-ai/sdk';
import { DEFAULTS } from '../../config/defaults.js';
import { OrchestratorError } from '../../domain/errors.js';
import type { Backend, Session, SessionSpec } from '../backend.js';
import { ApiSession } from './api-session.js';
import { AdaptiveConcurrencyLimiter, OpenLimiter, type LimiterClock, type RequestLimiter } from './concurrency-limiter.js';
import type { PromptCaching } from './prompt-cache.js';
import type { CallRunner, RetryNotice } from './retrying-call.js';
import { sleep as realSleep, type Sleep } from '../../async/sleep.js';

export { MAX_MODEL_CALLS_PER_TURN } from './api-session.js';

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

/** Instances that are conversations with the Messages API, streamed through the official SDK. */
export class ApiBackend implements Backend {
  readonly kind = 'api' as const;
  readonly #client: Anthropic | undefined;
  readonly #now: () => number;
  readonly #limiter: AdaptiveConcurrencyLimiter | undefined;
  readonly #runner: Omit<CallRunner, 'onRetry'>;
  readonly #caching: PromptCaching;
  readonly #onRetry: ApiBackendOptions['onRetry'];

  constructor(options: ApiBackendOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#client = options.apiKey
      ? new Anthropic({
          apiKey: options.apiKey,
          baseURL: options.baseUrl ?? 'https://api.anthropic.com',
          // We retry ourselves (retry-policy.ts), so every retry is counted, bounded and seen by the limiter.
          maxRetries: 0,
        })
      : undefined;
    this.#limiter =
      options.adaptiveConcurrency === false
        ? undefined
        : new AdaptiveConcurrencyLimiter({ ceiling: options.maxInFlight ?? DEFAULTS.apiMaxInFlight, ...(options.limiterClock ? { clock: options.limiterClock } : {}) });
    const limiter: RequestLimiter = this.#limiter ?? new OpenLimiter();
    this.#runner = {
      retry: {
        maxRetries: options.maxRetries ?? DEFAULTS.apiMaxRetries,
        maxElapsedMs: (options.retryMaxSeconds ?? DEFAULTS.apiRetryMaxSeconds) * 1000,
        baseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.apiRetryBaseDelayMs,
        maxDelayMs: options.retryMaxDelayMs ?? DEFAULTS.apiRetryMaxDelayMs,
      },
      limiter,
      sleep: options.sleep ?? realSleep,
      now: this.#now,
      wallNow: options.wallNow ?? Date.now,
      random: options.random ?? Math.random,
    };
    this.#caching = options.promptCaching ?? { enabled: DEFAULTS.promptCaching, ttl: DEFAULTS.promptCacheTtl };
    this.#onRetry = options.onRetry;
  }

  /** The adaptive limit on requests in flight right now, or undefined when the limiter is off. */
  get concurrencyLimit(): number | undefined {
    return this.#limiter?.limit;
  }

  assertReady(): void {
    if (!this.#client) {
      throw new OrchestratorError(
        'not_configured',
        'No Anthropic API key is configured, so api instances cannot run. Set ANTHROPIC_API_KEY in the environment of the ' +
          'orchestrator (for `claude mcp add`, pass `-e ANTHROPIC_API_KEY=...`) and restart it. To try it offline, run ' +
          '`claude-orchestrator simulator --port 8002` and start the server with ANTHROPIC_BASE_URL=http://127.0.0.1:8002 ANTHROPIC_API_KEY=sim.',
      );
    }
  }

  async start(spec: SessionSpec): Promise<Session> {
    this.assertReady();
    const onRetry = this.#onRetry;
    const runner: CallRunner = onRetry ? { ...this.#runner, onRetry: (notice) => onRetry({ ...notice, instanceId: spec.instanceId }) } : this.#runner;
    return new ApiSession(this.#client as Anthropic, spec, { runner, caching: this.#caching, now: this.#now });
  }
}
