/** The library API of claude-orchestrator. */
export { createOrchestrator, createLogger, type CreateOrchestratorOptions } from './library.js';
export {
  Orchestrator,
  type Clock,
  type GlobalTotals,
  type ListResult,
  type OrchestratorDeps,
  type OutputResult,
  type SendOptions,
  type SendResult,
  type SpawnResult,
  type TerminateResult,
} from './orchestrator/orchestrator.js';
export type { InstanceView, MessageView } from './orchestrator/views.js';
export { OrchestratorError, type ErrorCode } from './domain/errors.js';
export { ROLES, ROLE_IDS, type RoleId } from './domain/roles.js';
export type { SpawnInput, SendInput, OutputInput, InstanceRef, ListInput } from './domain/inputs.js';
export type { Usage, UsageView } from './domain/usage.js';
export { loadConfig, type Config } from './config/load-config.js';
export { DEFAULTS } from './config/defaults.js';
export { BUILTIN_PRICE_TABLE, type PriceTable, type ModelPrice } from './pricing/price-table.js';
export { startServer, type RunningServer, type StartServerOptions } from './server.js';
export type { Backend, Session, SessionSpec, TurnInput, TurnResult } from './backends/backend.js';
export { ApiBackend } from './backends/api/api-backend.js';
export { MemoryStore } from './store/memory-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.js';
export type { Store } from './store/store.js';
export { startSimulator, type RunningSimulator, type SimulatorOptions } from './simulator/simulator.js';
