import Anthropic from '@anthropic-ai/sdk';
import { DEFAULTS } from '../../config/defaults.js';
import { sleep as realSleep } from '../../async/sleep.js';
import type { Session, SessionSpec } from '../backend.js';
import type { ApiBackendOptions, ApiRuntime } from './api-options.js';
import { ApiSession } from './api-session.js';
import type { RequestLimiter } from './concurrency-limiter.js';
import type { CallRunner } from './retrying-call.js';

export function createApiRuntime(options: ApiBackendOptions, limiter: RequestLimiter): ApiRuntime {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? 'https://api.anthropic.com',
    // We retry ourselves (retry-policy.ts), so every retry is counted, bounded, held and seen by the limiter.
    maxRetries: 0,
    // Each model call is traced once, as our `chat <model>` span (observability/genai-spans.ts, with retries and
    // the budget's max_tokens): the SDK's own span per request would count its tokens a second time.
    openTelemetry: { traces: false },
  });
  const now = options.now ?? (() => performance.now());
  const runner: CallRunner = {
    retry: {
      maxRetries: options.maxRetries ?? DEFAULTS.apiMaxRetries,
      maxElapsedMs: (options.retryMaxSeconds ?? DEFAULTS.apiRetryMaxSeconds) * 1000,
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.apiRetryBaseDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULTS.apiRetryMaxDelayMs,
    },
    limiter,
    sleep: options.sleep ?? realSleep,
    now,
    wallNow: options.wallNow ?? Date.now,
    random: options.random ?? Math.random,
  };
  const caching = options.promptCaching ?? { enabled: DEFAULTS.promptCaching, ttl: DEFAULTS.promptCacheTtl };
  return {
    session(spec: SessionSpec): Session {
      const onRetry = options.onRetry;
      return new ApiSession(client, spec, {
        runner: onRetry ? { ...runner, onRetry: (n) => onRetry({ ...n, instanceId: spec.instanceId }) } : runner,
        caching,
        now,
        stallMs: (options.stallTimeoutSeconds ?? DEFAULTS.stallTimeoutSeconds) * 1000,
      });
    },
  };
}
