import type { Config } from '../../config/load-config.js';
import type { BackendContext, BackendDescriptor } from '../descriptor.js';

/** Instances that are conversations with the Messages API (through @anthropic-ai/sdk, loaded on first turn). */
export const apiBackendDescriptor = {
  kind: 'api' as const,
  description: 'api: a Messages API conversation',
  spawnOptions: {},
  delegation: { supported: true },
  configured: (config: Config) => config.apiKey !== undefined,
  promptOverheadTokens: 0,
  async load({ config, logger }: BackendContext) {
    const [{ ApiBackend }, { apiBackendOptions }] = await Promise.all([import('./api-backend.js'), import('./options-from-config.js')]);
    return new ApiBackend({
      ...apiBackendOptions(config),
      onRetry: (n) => logger.warn({ instanceId: n.instanceId, retry: n.retry, afterMs: n.afterMs, failure: n.failure.kind }, 'model call retried'),
    });
  },
} satisfies BackendDescriptor;
