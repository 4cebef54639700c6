import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiBackend, type ApiBackendOptions } from '../backends/api/api-backend.js';
import { loadConfig, storePath, type Config } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { MemoryStore } from '../store/memory-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { ScriptedBackend } from './scripted-backend.js';

export interface Fixture {
  readonly orchestrator: Orchestrator;
  readonly backend: ScriptedBackend;
  readonly store: MemoryStore;
  readonly clock: { ms: number; now(): number };
  readonly config: Config;
}

/** An orchestrator over a scripted backend, an in-memory store, a temp workspace and a clock the test moves. */
export function orchestratorFixture(overrides: Partial<Config> = {}): Fixture {
  const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')), ...overrides });
  const backend = new ScriptedBackend();
  const store = new MemoryStore();
  const clock = {
    ms: Date.parse('2026-11-25T12:00:00Z'),
    now() {
      return this.ms;
    },
  };
  const orchestrator = new Orchestrator({ config, backend, store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger(), clock });
  return { orchestrator, backend, store, clock, config };
}

/**
 * A real orchestrator with the real API backend (no retries unless `backendOptions` asks), talking to a
 * running simulator, on a SQLite file (`store` to share one with another orchestrator).
 */
export function simulatorOrchestrator(
  simulatorUrl: string,
  overrides: Partial<Config> = {},
  backendOptions: Partial<ApiBackendOptions> = {},
  store?: SqliteStore,
): Orchestrator {
  const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')), apiKey: 'sim-key', baseUrl: simulatorUrl, ...overrides });
  return new Orchestrator({
    config,
    backend: new ApiBackend({ apiKey: config.apiKey, baseUrl: config.baseUrl, maxRetries: 0, ...backendOptions }),
    store: store ?? new SqliteStore(storePath(config)),
    priceTable: BUILTIN_PRICE_TABLE,
    logger: silentLogger(),
  });
}
