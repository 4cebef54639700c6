import { DEFAULTS } from '../../config/defaults.js';
import { OrchestratorError } from '../../domain/errors.js';
import type { Backend, Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { AdaptiveConcurrencyLimiter, OpenLimiter, type LimiterClock, type RequestLimiter } from './concurrency-limiter.js';
import type { PromptCaching } from './prompt-cache.js';
import type { ApiRuntime } from './api-runtime.js';
import type { RetryNotice } from './retrying-call.js';
import type { Sleep } from '../../async/sleep.js';

export { MAX_MODEL_CALLS_PER_TURN } from './limits.js';

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

/**
 * Instances that are conversations with the Messages API, streamed through the official SDK. This module is
 * light: the SDK (about half a second to import) is loaded with the first turn, not at spawn or start-up.
 */
export class ApiBackend implements Backend {
  readonly kind = 'api' as const;
  readonly #options: ApiBackendOptions;
  readonly #limiter: AdaptiveConcurrencyLimiter | undefined;
  #runtime: Promise<ApiRuntime> | undefined;

  constructor(options: ApiBackendOptions) {
    this.#options = options;
    this.#limiter =
      options.adaptiveConcurrency === false
        ? undefined
        : new AdaptiveConcurrencyLimiter({ ceiling: options.maxInFlight ?? DEFAULTS.apiMaxInFlight, ...(options.limiterClock ? { clock: options.limiterClock } : {}) });
  }

  /** The adaptive limit on requests in flight right now, or undefined when the limiter is off. */
  get concurrencyLimit(): number | undefined {
    return this.#limiter?.limit;
  }

  assertReady(): void {
    if (!this.#options.apiKey) {
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
    return new LazyApiSession(spec, () => this.#loadRuntime());
  }

  #loadRuntime(): Promise<ApiRuntime> {
    this.#runtime ??= import('./api-runtime.js').then(({ createApiRuntime }) => createApiRuntime(this.#options, this.#limiter ?? new OpenLimiter()));
    return this.#runtime;
  }
}

/** A session whose SDK client is made on its first turn (spawning a thousand idle instances loads nothing). */
class LazyApiSession implements Session {
  #session: Session | undefined;

  constructor(
    private readonly spec: SessionSpec,
    private readonly runtime: () => Promise<ApiRuntime>,
  ) {}

  async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
    this.#session ??= (await this.runtime()).session(this.spec);
    return this.#session.turn(input, options);
  }

  async close(): Promise<void> {
    // Stateless over HTTP: the conversation lives in the store, so there is nothing to release.
  }
}

export type { RequestLimiter };
