import { z } from 'zod';
import { hostListSchema, tokensSchema } from '../security/setting-schemas.js';
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
  /** What help shows after the flag, when the schema's own (N, URL, VALUE) says too little. */
  readonly placeholder?: string;
  /** A secret is never echoed back, logged or shown in --help beyond its name. */
  readonly secret?: boolean;
  /** The variable's earlier name, still read when the current one is unset (so a renamed setting keeps working). */
  readonly formerEnv?: string;
}

const int = (min: number) => z.coerce.number().int().min(min);
const positive = z.coerce.number().positive().finite();
const logLevel = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const SETTINGS = [
  { key: 'host', env: 'ORCHESTRATOR_HOST', flag: '--host', schema: z.string().min(1), placeholder: 'HOST', help: 'Address the HTTP server binds to.', defaultText: DEFAULTS.host },
  { key: 'port', env: 'ORCHESTRATOR_PORT', flag: '--port', schema: int(0).max(65535), help: 'HTTP port (0 picks a free one).', defaultText: String(DEFAULTS.port) },
  { key: 'tokens', env: 'ORCHESTRATOR_TOKEN', flag: '--token', schema: tokensSchema, placeholder: 'TOKEN', help: `Bearer token every HTTP route requires (except GET /health); required to bind anything but localhost. At least ${DEFAULTS.minTokenChars} characters; several, comma-separated, for rotation. Prefer the env variable.`, defaultText: '(none)', secret: true },
  { key: 'allowedHosts', env: 'ALLOWED_HOSTS', flag: '--allowed-hosts', schema: hostListSchema, placeholder: 'HOSTS', help: 'Comma-separated host names accepted in Host/Origin headers besides loopback (DNS-rebinding protection), e.g. the name clients use behind a proxy.', defaultText: '(loopback only)' },
  { key: 'maxRequestBytes', env: 'MAX_REQUEST_BYTES', flag: '--max-request-bytes', schema: int(1024).max(256 * 1024 * 1024), help: 'Largest HTTP request body; larger ones get 413.', defaultText: String(DEFAULTS.maxRequestBytes) },
  { key: 'rateLimitPerMinute', env: 'RATE_LIMIT_PER_MINUTE', flag: '--rate-limit-per-minute', schema: int(0), help: 'HTTP requests per minute per client (address + token) before 429; 0 turns it off.', defaultText: String(DEFAULTS.rateLimitPerMinute) },
  { key: 'sessionIdleMinutes', env: 'SESSION_IDLE_MINUTES', flag: '--session-idle-minutes', schema: positive, help: 'Close an MCP HTTP session after this long without a request.', defaultText: String(DEFAULTS.sessionIdleMinutes) },
  { key: 'apiKey', env: 'ANTHROPIC_API_KEY', flag: '--api-key', schema: z.string().min(1), placeholder: 'KEY', help: 'Anthropic API key for the api backend. Prefer the env variable: flags show up in process lists.', defaultText: '(none)', secret: true },
  { key: 'baseUrl', env: 'ANTHROPIC_BASE_URL', flag: '--base-url', schema: z.url(), help: 'Messages API base URL (point it at `claude-orchestrator simulator` to work offline).', defaultText: 'https://api.anthropic.com' },
  { key: 'maxInstances', env: 'MAX_INSTANCES', flag: '--max-instances', schema: int(1), help: 'Most live instances at once.', defaultText: String(DEFAULTS.maxInstances) },
  { key: 'maxTokensPerInstance', env: 'MAX_TOKENS_PER_INSTANCE', flag: '--max-tokens-per-instance', schema: int(1), help: 'Default per-instance token budget (input + output + cache write + cache read).', defaultText: String(DEFAULTS.maxTokensPerInstance) },
  { key: 'maxTotalCostUsd', env: 'MAX_TOTAL_COST', flag: '--max-total-cost', schema: positive, placeholder: 'USD', help: 'Global spend ceiling in USD across all instances.', defaultText: String(DEFAULTS.maxTotalCostUsd) },
  { key: 'instanceTimeoutMinutes', env: 'INSTANCE_TIMEOUT_MINUTES', flag: '--instance-timeout-minutes', schema: positive, help: 'Default instance lifetime since spawn, in minutes.', defaultText: String(DEFAULTS.instanceTimeoutMinutes) },
  { key: 'workspaceDir', env: 'WORKSPACE_DIR', flag: '--workspace-dir', schema: z.string().min(1), placeholder: 'DIR', help: 'Base directory; each instance gets <dir>/<instance id>.', defaultText: DEFAULTS.workspaceDir },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', schema: logLevel, placeholder: 'LEVEL', help: 'fatal|error|warn|info|debug|trace|silent (any case). Logs go to stderr.', defaultText: DEFAULTS.logLevel },
  { key: 'logFormat', env: 'LOG_FORMAT', flag: '--log-format', schema: z.enum(LOG_FORMATS), placeholder: 'FORMAT', help: 'auto|pretty|json: auto writes readable lines when stderr is a terminal, JSON lines otherwise.', defaultText: DEFAULTS.logFormat },
  { key: 'defaultModel', env: 'DEFAULT_MODEL', flag: '--model', schema: z.string().min(1), placeholder: 'MODEL', help: 'Model for spawns that name none.', defaultText: DEFAULTS.model },
  { key: 'maxOutputTokens', env: 'MAX_OUTPUT_TOKENS', flag: '--max-output-tokens', schema: int(1), help: 'max_tokens per model call (further capped by what the budgets have left).', defaultText: String(DEFAULTS.maxOutputTokens) },
  { key: 'minOutputTokens', env: 'MIN_OUTPUT_TOKENS', flag: '--min-output-tokens', schema: int(1), help: 'The smallest max_tokens a model call is held for: with less budget free, a call waits for calls in flight to settle; with less left at all, it is refused.', defaultText: String(DEFAULTS.minOutputTokens) },
  { key: 'sendTimeoutSeconds', env: 'SEND_TIMEOUT_SECONDS', flag: '--send-timeout-seconds', schema: positive, help: 'Default timeout of one send_to_instance turn.', defaultText: String(DEFAULTS.sendTimeoutSeconds) },
  { key: 'coordinationConcurrency', env: 'COORDINATION_CONCURRENCY', flag: '--coordination-concurrency', schema: int(1).max(100), help: 'Most turns in flight at once within one coordinate_instances run.', defaultText: String(DEFAULTS.coordinationConcurrency) },
  { key: 'coordinationTimeoutSeconds', env: 'COORDINATION_TIMEOUT_SECONDS', flag: '--coordination-timeout-seconds', schema: positive, help: 'Default timeout of a whole coordinate_instances run.', defaultText: String(DEFAULTS.coordinationTimeoutSeconds) },
  { key: 'maxDelegationDepth', env: 'MAX_DELEGATION_DEPTH', flag: '--max-delegation-depth', schema: int(0).max(10), help: 'How deep instance trees may grow (a root instance is depth 0).', defaultText: String(DEFAULTS.maxDelegationDepth) },
  { key: 'maxChildrenPerParent', env: 'MAX_CHILDREN_PER_PARENT', flag: '--max-children-per-parent', schema: int(1).max(100), help: 'Most live children one instance may have.', defaultText: String(DEFAULTS.maxChildrenPerParent) },
  { key: 'dbPath', env: 'ORCHESTRATOR_DB', flag: '--db', schema: z.string().min(1), placeholder: 'FILE|URL', help: 'SQLite store file (":memory:" keeps nothing), or a postgres:// URL: the PostgreSQL store, shared by many nodes.', defaultText: `<WORKSPACE_DIR>/${DEFAULTS.dbFileName}` },
  { key: 'dbDurable', env: 'ORCHESTRATOR_DB_DURABLE', flag: '--db-durable', schema: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'), help: 'fsync every commit (survives power loss, not just a killed process).', defaultText: 'false' },
  { key: 'shutdownGraceSeconds', env: 'SHUTDOWN_GRACE_SECONDS', flag: '--shutdown-grace-seconds', schema: z.coerce.number().min(0).max(3600), help: 'On SIGTERM/SIGINT, how long running turns may finish before they are cancelled.', defaultText: String(DEFAULTS.shutdownGraceSeconds) },
  { key: 'resumeInterrupted', env: 'RESUME_INTERRUPTED', flag: '--resume-interrupted', schema: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'), help: 'A coordination (or a send not yet begun) cut off by a crash or restart runs again, under the same task id, when a server on the store comes back; finished participants are reused. false only marks it interrupted.', defaultText: String(DEFAULTS.resumeInterrupted) },
  { key: 'retentionDays', env: 'RETENTION_DAYS', flag: '--retention-days', schema: positive, help: 'Delete terminated instances and their histories this long after they ended.', defaultText: String(DEFAULTS.retentionDays) },
  { key: 'healthCheckIntervalSeconds', env: 'HEALTH_CHECK_INTERVAL_SECONDS', flag: '--health-check-interval-seconds', schema: positive, help: 'How often lifetimes and limits are swept.', defaultText: String(DEFAULTS.healthCheckIntervalSeconds) },
  { key: 'nodeHeartbeatSeconds', env: 'NODE_HEARTBEAT_SECONDS', flag: '--node-heartbeat-seconds', schema: positive, help: 'Several servers on one store: how often this node records that it is alive (and looks for nodes that stopped).', defaultText: String(DEFAULTS.nodeHeartbeatSeconds) },
  { key: 'nodeDeadSeconds', env: 'NODE_DEAD_SECONDS', flag: '--node-dead-seconds', schema: positive, help: "A node on another host whose last heartbeat is older than this is declared dead: its leases, holds and tasks are taken back, its claude-code instances are unavailable until it returns. More than twice NODE_HEARTBEAT_SECONDS. (On this host, a node's process ending is enough.)", defaultText: String(DEFAULTS.nodeDeadSeconds) },
  { key: 'nodeAddress', env: 'NODE_ADDRESS', flag: '--node-address', schema: z.url(), help: 'The URL other nodes and clients reach this node at, shown with its instances and in errors naming it (e.g. http://node-a:3000 behind a load balancer).', defaultText: '(the URL it listens on; a 0.0.0.0 bind shows the host name)' },
  { key: 'sharedWorkspaces', env: 'SHARED_WORKSPACES', flag: '--shared-workspaces', schema: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'), help: "WORKSPACE_DIR is one volume shared by every node (NFS, EFS): a live node resumes a dead node's claude-code instances on their next send.", defaultText: 'false' },
  { key: 'priceTablePath', env: 'PRICE_TABLE', flag: '--price-table', schema: z.string().min(1), placeholder: 'FILE', help: 'JSON file of model prices (USD/MTok) that overrides or extends the built-in table.', defaultText: '(built-in, dated)' },
  { key: 'apiMaxRetries', env: 'API_MAX_RETRIES', flag: '--api-max-retries', schema: int(0).max(50), help: 'Retries of one Messages API call on 408/409/429/5xx/529, connection resets and mid-reply errors (exponential backoff with jitter, honouring retry-after); other 4xx are never retried.', defaultText: String(DEFAULTS.apiMaxRetries) },
  { key: 'apiRetryMaxSeconds', env: 'API_RETRY_MAX_SECONDS', flag: '--api-retry-max-seconds', schema: positive, help: 'No retry of a Messages API call starts this long after its first attempt.', defaultText: String(DEFAULTS.apiRetryMaxSeconds) },
  { key: 'stallTimeoutSeconds', env: 'STALL_TIMEOUT_SECONDS', flag: '--stall-timeout', schema: positive, help: 'A model stream that sends no event for this long is aborted and retried as a fault; a turn with no sign of life for this long shows activity `stalled`. Running tools are never stalled.', defaultText: String(DEFAULTS.stallTimeoutSeconds) },
  { key: 'apiMaxInFlight', env: 'API_MAX_IN_FLIGHT', flag: '--api-max-in-flight', schema: int(1).max(1000), help: 'Most Messages API requests in flight: the adaptive limit starts here, shrinks on 429/529 and grows back as they stop.', defaultText: String(DEFAULTS.apiMaxInFlight) },
  { key: 'promptCaching', env: 'PROMPT_CACHING', flag: '--prompt-caching', schema: z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((v) => v === 'true' || v === '1' || v === 'on'), help: 'Cache breakpoints on the system prompt and the conversation so far (api backend): on|off.', defaultText: DEFAULTS.promptCaching ? 'on' : 'off' },
  { key: 'claudeCodeIdleSeconds', env: 'CLAUDE_CODE_IDLE_SECONDS', flag: '--claude-code-idle-seconds', schema: positive, help: 'claude-code instances: an agent idle this long is stopped (parked); its next turn resumes the session.', defaultText: String(DEFAULTS.claudeCodeIdleSeconds) },
  { key: 'approvalTimeoutSeconds', env: 'APPROVAL_TIMEOUT_SECONDS', flag: '--approval-timeout-seconds', formerEnv: 'CLAUDE_CODE_PERMISSION_TIMEOUT_SECONDS', schema: positive, help: 'claude-code instances: how long a permission ask waits for an answer (elicitation, or the approvals queue: answer_approval, dashboard, REST) before it is denied.', defaultText: String(DEFAULTS.approvalTimeoutSeconds) },
  { key: 'budgetAskTimeoutSeconds', env: 'BUDGET_ASK_TIMEOUT_SECONDS', flag: '--budget-ask-timeout-seconds', schema: positive, help: 'How long a question to raise a spent budget (asked of clients with MCP elicitation) waits for its answer before it counts as no.', defaultText: String(DEFAULTS.budgetAskTimeoutSeconds) },
  { key: 'claudeCodeExecutable', env: 'CLAUDE_CODE_EXECUTABLE', flag: '--claude-code-executable', schema: z.string().min(1), placeholder: 'PATH', help: 'claude-code instances: the claude binary to run instead of the pinned @anthropic-ai/claude-code dependency.', defaultText: '(the pinned dependency)' },
  { key: 'promptCacheTtl', env: 'PROMPT_CACHE_TTL', flag: '--prompt-cache-ttl', schema: z.enum(['5m', '1h']), help: 'Prompt-cache lifetime: 5m (writes cost 1.25x input) or 1h (2x).', defaultText: DEFAULTS.promptCacheTtl },
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof SETTINGS)[number]['key'];
