import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { apiBackendOptions } from './options-from-config.js';

describe('api backend options from settings', () => {
  it('carries the resilience and caching settings, with their defaults', () => {
    expect(apiBackendOptions(loadConfig({}))).toMatchObject({ maxRetries: 8, retryMaxSeconds: 180, maxInFlight: 64, promptCaching: { enabled: true, ttl: '5m' } });
  });

  it('reads them from the environment', () => {
    const config = loadConfig({ API_MAX_RETRIES: '2', API_RETRY_MAX_SECONDS: '30', API_MAX_IN_FLIGHT: '8', PROMPT_CACHING: 'off', PROMPT_CACHE_TTL: '1h', ANTHROPIC_API_KEY: 'k', STALL_TIMEOUT_SECONDS: '45' });
    expect(apiBackendOptions(config)).toEqual({
      apiKey: 'k',
      baseUrl: undefined,
      maxRetries: 2,
      retryMaxSeconds: 30,
      maxInFlight: 8,
      stallTimeoutSeconds: 45,
      promptCaching: { enabled: false, ttl: '1h' },
    });
    expect(() => loadConfig({ PROMPT_CACHE_TTL: '2h' })).toThrow(/PROMPT_CACHE_TTL/);
    expect(() => loadConfig({ PROMPT_CACHING: 'maybe' })).toThrow(/PROMPT_CACHING/);
  });
});
