import type { Backend } from './backends/backend.js';
import { loadConfig, type Config } from './config/load-config.js';
import { createLogger, silentLogger, type Logger } from './observability/logger.js';
import { Orchestrator, type Clock } from './orchestrator/orchestrator.js';
import { loadPriceTable } from './pricing/load-price-table.js';
import type { PriceTable } from './pricing/price-table.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface CreateOrchestratorOptions {
  /** Typed settings; anything left out comes from the environment, then the defaults. */
  readonly config?: Partial<Config>;
  /** The environment to read settings from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: no logs for library use. Pass `createLogger('info')` for JSON logs on stderr. */
  readonly logger?: Logger;
  /** A backend to use for its kind instead of the built-in one. */
  readonly backend?: Backend;
  /** More such backends, by kind. Kinds not given are the built-in ones, loaded on first use. */
  readonly backends?: Readonly<Record<string, Backend>>;
  /** Default: PostgreSQL when ORCHESTRATOR_DB is a postgres:// URL, else the SQLite store at ORCHESTRATOR_DB, or orchestrator.db under WORKSPACE_DIR. */
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
  return new Orchestrator({
    config,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.backends ? { backends: options.backends } : {}),
    store: options.store ?? openStore(config),
    priceTable: options.priceTable ?? loadPriceTable(config.priceTablePath),
    logger: options.logger ?? silentLogger(),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

export { createLogger };
