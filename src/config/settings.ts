import { z } from 'zod';
import { DEFAULTS } from './defaults.js';

/**
 * One table of every setting: its env variable, its flag, its schema and its help text.
 * load-config.ts, `--help` and the README's configuration table all read this; nothing restates it.
 */
export interface SettingSpec<K extends string = string> {
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  readonly schema: z.ZodType;
  readonly help: string;
  readonly defaultText: string;
  /** A secret is never echoed back, logged or shown in --help beyond its name. */
  readonly secret?: boolean;
}

const int = (min: number) => z.coerce.number().int().min(min);
const positive = z.coerce.number().positive().finite();
const logLevel = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

export const SETTINGS = [
  { key: 'host', env: 'ORCHESTRATOR_HOST', flag: '--host', schema: z.string().min(1), help: 'Address the HTTP server binds to.', defaultText: DEFAULTS.host },
  { key: 'port', env: 'ORCHESTRATOR_PORT', flag: '--port', schema: int(0).max(65535), help: 'HTTP port (0 picks a free one).', defaultText: String(DEFAULTS.port) },
  { key: 'apiKey', env: 'ANTHROPIC_API_KEY', flag: '--api-key', schema: z.string().min(1), help: 'Anthropic API key for the api backend. Prefer the env variable: flags show up in process lists.', defaultText: '(none)', secret: true },
  { key: 'baseUrl', env: 'ANTHROPIC_BASE_URL', flag: '--base-url', schema: z.url(), help: 'Messages API base URL (point it at `claude-orchestrator simulator` to work offline).', defaultText: 'https://api.anthropic.com' },
  { key: 'maxInstances', env: 'MAX_INSTANCES', flag: '--max-instances', schema: int(1), help: 'Most live instances at once.', defaultText: String(DEFAULTS.maxInstances) },
  { key: 'maxTokensPerInstance', env: 'MAX_TOKENS_PER_INSTANCE', flag: '--max-tokens-per-instance', schema: int(1), help: 'Default per-instance token budget (input + output + cache write + cache read).', defaultText: String(DEFAULTS.maxTokensPerInstance) },
  { key: 'maxTotalCostUsd', env: 'MAX_TOTAL_COST', flag: '--max-total-cost', schema: positive, help: 'Global spend ceiling in USD across all instances.', defaultText: String(DEFAULTS.maxTotalCostUsd) },
  { key: 'instanceTimeoutMinutes', env: 'INSTANCE_TIMEOUT_MINUTES', flag: '--instance-timeout-minutes', schema: positive, help: 'Default instance lifetime since spawn, in minutes.', defaultText: String(DEFAULTS.instanceTimeoutMinutes) },
  { key: 'workspaceDir', env: 'WORKSPACE_DIR', flag: '--workspace-dir', schema: z.string().min(1), help: 'Base directory; each instance gets <dir>/<instance id>.', defaultText: DEFAULTS.workspaceDir },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', schema: logLevel, help: 'fatal|error|warn|info|debug|trace|silent (any case). Logs go to stderr.', defaultText: DEFAULTS.logLevel },
  { key: 'defaultModel', env: 'DEFAULT_MODEL', flag: '--model', schema: z.string().min(1), help: 'Model for spawns that name none.', defaultText: DEFAULTS.model },
  { key: 'maxOutputTokens', env: 'MAX_OUTPUT_TOKENS', flag: '--max-output-tokens', schema: int(1), help: 'max_tokens per turn (further capped by what the token budget has left).', defaultText: String(DEFAULTS.maxOutputTokens) },
  { key: 'sendTimeoutSeconds', env: 'SEND_TIMEOUT_SECONDS', flag: '--send-timeout-seconds', schema: positive, help: 'Default timeout of one send_to_instance turn.', defaultText: String(DEFAULTS.sendTimeoutSeconds) },
  { key: 'coordinationConcurrency', env: 'COORDINATION_CONCURRENCY', flag: '--coordination-concurrency', schema: int(1).max(100), help: 'Most turns in flight at once within one coordinate_instances run.', defaultText: String(DEFAULTS.coordinationConcurrency) },
  { key: 'coordinationTimeoutSeconds', env: 'COORDINATION_TIMEOUT_SECONDS', flag: '--coordination-timeout-seconds', schema: positive, help: 'Default timeout of a whole coordinate_instances run.', defaultText: String(DEFAULTS.coordinationTimeoutSeconds) },
  { key: 'maxDelegationDepth', env: 'MAX_DELEGATION_DEPTH', flag: '--max-delegation-depth', schema: int(0).max(10), help: 'How deep instance trees may grow (a root instance is depth 0).', defaultText: String(DEFAULTS.maxDelegationDepth) },
  { key: 'maxChildrenPerParent', env: 'MAX_CHILDREN_PER_PARENT', flag: '--max-children-per-parent', schema: int(1).max(100), help: 'Most live children one instance may have.', defaultText: String(DEFAULTS.maxChildrenPerParent) },
  { key: 'healthCheckIntervalSeconds', env: 'HEALTH_CHECK_INTERVAL_SECONDS', flag: '--health-check-interval-seconds', schema: positive, help: 'How often lifetimes and limits are swept.', defaultText: String(DEFAULTS.healthCheckIntervalSeconds) },
  { key: 'priceTablePath', env: 'PRICE_TABLE', flag: '--price-table', schema: z.string().min(1), help: 'JSON file of model prices (USD/MTok) that overrides or extends the built-in table.', defaultText: '(built-in, dated)' },
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof SETTINGS)[number]['key'];
