import type { Config } from '../../config/load-config.js';
import type { ApiBackendOptions } from './api-options.js';

/** The api backend's options from the server's settings (API_MAX_RETRIES, PROMPT_CACHING, ...). */
export function apiBackendOptions(config: Config): ApiBackendOptions {
  return {
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    maxRetries: config.apiMaxRetries,
    retryMaxSeconds: config.apiRetryMaxSeconds,
    maxInFlight: config.apiMaxInFlight,
    stallTimeoutSeconds: config.stallTimeoutSeconds,
    promptCaching: { enabled: config.promptCaching, ttl: config.promptCacheTtl },
  };
}
