import { DEFAULTS } from '../../config/defaults.js';
import { OrchestratorError } from '../../domain/errors.js';
import type { Backend, Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { AdaptiveConcurrencyLimiter, OpenLimiter } from './concurrency-limiter.js';
import type { ApiBackendOptions, ApiRuntime } from './api-options.js';

export type { ApiBackendOptions } from './api-options.js';

export { MAX_MODEL_CALLS_PER_TURN } from './limits.js';

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
        : new AdaptiveConcurrencyLimiter({
            ceiling: options.maxInFlight ?? DEFAULTS.apiMaxInFlight,
            // One long retry-after never holds every instance beyond the retry bound (docs/resilience.md).
            maxPauseMs: (options.retryMaxSeconds ?? DEFAULTS.apiRetryMaxSeconds) * 1000,
            ...(options.limiterClock ? { clock: options.limiterClock } : {}),
            ...(options.wallNow ? { wallNow: options.wallNow } : {}),
          });
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

