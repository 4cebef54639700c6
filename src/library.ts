import { ApiBackend } from './backends/api/api-backend.js';
import { apiBackendOptions } from './backends/api/options-from-config.js';
import { claudeCodeBackendFromConfig } from './backends/claude-code/claude-code-backend.js';
import type { BackendKind } from './domain/instance.js';
import type { Backend } from './backends/backend.js';
import { loadConfig, storePath, type Config } from './config/load-config.js';
import { createLogger, silentLogger, type Logger } from './observability/logger.js';
import { Orchestrator, type Clock } from './orchestrator/orchestrator.js';
import { loadPriceTable } from './pricing/load-price-table.js';
import type { PriceTable } from './pricing/price-table.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface CreateOrchestratorOptions {
  /** Typed settings; anything left out comes from the environment, then the defaults. */
  readonly config?: Partial<Config>;
  /** The environment to read settings from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: no logs for library use. Pass `createLogger('info')` for JSON logs on stderr. */
  readonly logger?: Logger;
  readonly backend?: Backend;
  /** Default: the claude-code backend (real Claude Code agents) built from the settings. */
  readonly backends?: Partial<Record<BackendKind, Backend>>;
  /** Default: the SQLite store at ORCHESTRATOR_DB, or orchestrator.db under WORKSPACE_DIR. */
  readonly store?: Store;
  readonly priceTable?: PriceTable;
  readonly clock?: Clock;
}

/**
 * Builds an orchestrator from settings: the programmatic API with the same operations as the MCP tools.
 *
 * ```ts
 * const orchestrator = createOrchestrator();
 * const { instance_id } = await orchestrator.spawnInstance({ name: 'React Developer', role: 'frontend_developer' });
 * const { reply, usage, cost_usd } = await orchestrator.sendToInstance({ instance_id, message: 'Build a navbar' });
 * ```
 */
export function createOrchestrator(options: CreateOrchestratorOptions = {}): Orchestrator {
  const config = loadConfig(options.env ?? process.env, {}, options.config ?? {});
  const logger = options.logger ?? silentLogger();
  return new Orchestrator({
    config,
    backend:
      options.backend ??
      new ApiBackend({
        ...apiBackendOptions(config),
        onRetry: (n) => logger.warn({ instanceId: n.instanceId, retry: n.retry, afterMs: n.afterMs, failure: n.failure.kind }, 'model call retried'),
      }),
    backends: options.backends ?? { 'claude-code': claudeCodeBackendFromConfig(config, logger) },
    store: options.store ?? new SqliteStore(storePath(config), { durable: config.dbDurable }),
    priceTable: options.priceTable ?? loadPriceTable(config.priceTablePath),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

export { createLogger };
