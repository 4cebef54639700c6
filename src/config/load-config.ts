import { join } from 'node:path';
import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import { DEFAULTS } from './defaults.js';
import { describeSchema } from './describe-schema.js';
import { SETTINGS, type LogFormat, type SettingKey, type SettingSpec } from './settings.js';

/** The typed configuration the whole server runs on. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Bearer tokens accepted on HTTP (several allow rotation); undefined: none required (loopback only). */
  readonly tokens: readonly string[] | undefined;
  /** Host names (besides loopback) accepted in Host and Origin headers. */
  readonly allowedHosts: readonly string[];
  readonly maxRequestBytes: number;
  /** 0 turns rate limiting off. */
  readonly rateLimitPerMinute: number;
  readonly sessionIdleMinutes: number;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly maxInstances: number;
  readonly maxTokensPerInstance: number;
  readonly maxTotalCostUsd: number;
  readonly instanceTimeoutMinutes: number;
  readonly workspaceDir: string;
  readonly logLevel: string;
  /** auto: readable lines when stderr is a terminal, JSON otherwise. */
  readonly logFormat: LogFormat;
  readonly defaultModel: string;
  readonly maxOutputTokens: number;
  /** The smallest max_tokens a model call is held for: below it, a call waits for calls in flight instead. */
  readonly minOutputTokens: number;
  readonly sendTimeoutSeconds: number;
  readonly healthCheckIntervalSeconds: number;
  /** How often this node writes its heartbeat (and sweeps for dead nodes). */
  readonly nodeHeartbeatSeconds: number;
  /** A node on another host silent this long is dead. */
  readonly nodeDeadSeconds: number;
  /** WORKSPACE_DIR is shared by every node: a live node may resume a dead node's claude-code instances. */
  readonly sharedWorkspaces: boolean;
  /** undefined: the URL the HTTP server listens on. */
  readonly nodeAddress: string | undefined;
  readonly coordinationConcurrency: number;
  readonly coordinationTimeoutSeconds: number;
  readonly maxDelegationDepth: number;
  readonly maxChildrenPerParent: number;
  readonly priceTablePath: string | undefined;
  /** Retries of one Messages API call, and the time after which none starts. */
  readonly apiMaxRetries: number;
  readonly apiRetryMaxSeconds: number;
  /** Ceiling of the adaptive limit on Messages API requests in flight. */
  readonly apiMaxInFlight: number;
  /** A model stream silent this long is aborted and retried; a turn this long without a sign of life shows stalled. */
  readonly stallTimeoutSeconds: number;
  readonly promptCaching: boolean;
  readonly promptCacheTtl: '5m' | '1h';
  readonly claudeCodeIdleSeconds: number;
  readonly approvalTimeoutSeconds: number;
  /** How long a question to raise a spent budget (MCP elicitation) waits for its answer. */
  readonly budgetAskTimeoutSeconds: number;
  /** undefined: the pinned @anthropic-ai/claude-code dependency. */
  readonly claudeCodeExecutable: string | undefined;
  /** undefined: <workspaceDir>/orchestrator.db. */
  readonly dbPath: string | undefined;
  readonly dbDurable: boolean;
  readonly shutdownGraceSeconds: number;
  readonly retentionDays: number;
  /** Tasks cut off by a crash or restart run again on a server that comes back (src/resume). */
  readonly resumeInterrupted: boolean;
}

const BASE: Config = {
  host: DEFAULTS.host,
  port: DEFAULTS.port,
  tokens: undefined,
  allowedHosts: [],
  maxRequestBytes: DEFAULTS.maxRequestBytes,
  rateLimitPerMinute: DEFAULTS.rateLimitPerMinute,
  sessionIdleMinutes: DEFAULTS.sessionIdleMinutes,
  apiKey: undefined,
  baseUrl: undefined,
  maxInstances: DEFAULTS.maxInstances,
  maxTokensPerInstance: DEFAULTS.maxTokensPerInstance,
  maxTotalCostUsd: DEFAULTS.maxTotalCostUsd,
  instanceTimeoutMinutes: DEFAULTS.instanceTimeoutMinutes,
  workspaceDir: DEFAULTS.workspaceDir,
  logLevel: DEFAULTS.logLevel,
  logFormat: DEFAULTS.logFormat,
  defaultModel: DEFAULTS.model,
  maxOutputTokens: DEFAULTS.maxOutputTokens,
  minOutputTokens: DEFAULTS.minOutputTokens,
  sendTimeoutSeconds: DEFAULTS.sendTimeoutSeconds,
  healthCheckIntervalSeconds: DEFAULTS.healthCheckIntervalSeconds,
  nodeHeartbeatSeconds: DEFAULTS.nodeHeartbeatSeconds,
  nodeDeadSeconds: DEFAULTS.nodeDeadSeconds,
  sharedWorkspaces: false,
  nodeAddress: undefined,
  coordinationConcurrency: DEFAULTS.coordinationConcurrency,
  coordinationTimeoutSeconds: DEFAULTS.coordinationTimeoutSeconds,
  maxDelegationDepth: DEFAULTS.maxDelegationDepth,
  maxChildrenPerParent: DEFAULTS.maxChildrenPerParent,
  priceTablePath: undefined,
  apiMaxRetries: DEFAULTS.apiMaxRetries,
  apiRetryMaxSeconds: DEFAULTS.apiRetryMaxSeconds,
  apiMaxInFlight: DEFAULTS.apiMaxInFlight,
  stallTimeoutSeconds: DEFAULTS.stallTimeoutSeconds,
  promptCaching: DEFAULTS.promptCaching,
  promptCacheTtl: DEFAULTS.promptCacheTtl,
  claudeCodeIdleSeconds: DEFAULTS.claudeCodeIdleSeconds,
  approvalTimeoutSeconds: DEFAULTS.approvalTimeoutSeconds,
  budgetAskTimeoutSeconds: DEFAULTS.budgetAskTimeoutSeconds,
  claudeCodeExecutable: undefined,
  dbPath: undefined,
  dbDurable: false,
  shutdownGraceSeconds: DEFAULTS.shutdownGraceSeconds,
  retentionDays: DEFAULTS.retentionDays,
  resumeInterrupted: DEFAULTS.resumeInterrupted,
};

/**
 * Defaults, then env, then flags (raw strings keyed by setting), each validated with a message that names
 * the variable or flag at fault. `overrides` are typed values from the library API and win over everything.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Readonly<Partial<Record<SettingKey, string>>> = {},
  overrides: Partial<Config> = {},
): Config {
  const out: Record<string, unknown> = { ...BASE };
  for (const spec of SETTINGS as readonly SettingSpec<SettingKey>[]) {
    const [fromEnv, envName] = envValue(env, spec);
    const fromFlag = flags[spec.key];
    const [raw, origin] = fromFlag !== undefined ? [fromFlag, spec.flag] : [fromEnv, envName];
    if (raw === undefined || raw === '') continue;
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      throw new OrchestratorError('invalid_input', invalidValueMessage(origin, spec, raw, parsed.error));
    }
    out[spec.key] = parsed.data;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = value;
  return out as unknown as Config;
}

/** One setting from the environment alone, validated like loadConfig does (for commands that need only it). */
export function settingFromEnv(key: SettingKey, env: Readonly<Record<string, string | undefined>>): unknown {
  const spec = (SETTINGS as readonly SettingSpec<SettingKey>[]).find((s) => s.key === key) as SettingSpec<SettingKey>;
  const [raw, envName] = envValue(env, spec);
  if (raw === undefined || raw === '') return undefined;
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) throw new OrchestratorError('invalid_input', invalidValueMessage(envName, spec, raw, parsed.error));
  return parsed.data;
}

/** A setting's variable and the name it was read under: its current name, else its former one. */
function envValue(env: Readonly<Record<string, string | undefined>>, spec: SettingSpec): [string | undefined, string] {
  const current = env[spec.env];
  if ((current === undefined || current === '') && spec.formerEnv !== undefined && env[spec.formerEnv] !== undefined) return [env[spec.formerEnv], spec.formerEnv];
  return [current, spec.env];
}

/**
 * `--port takes an integer from 0 to 65535, got "abc".`: the flag or variable, what it takes, what it got.
 * Schemas with their own wording (tokens, host lists) keep it; a secret's value is never echoed.
 */
export function invalidValueMessage(origin: string, spec: SettingSpec, raw: string, error: z.ZodError): string {
  const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
  const { takes } = describeSchema(spec.schema);
  if (takes !== undefined) return `${origin} takes ${takes}, got ${shown}.`;
  return `Invalid ${origin} ${shown}: ${error.issues.map((i) => i.message).join('; ')}.`;
}

/** Where the store lives: ORCHESTRATOR_DB, else orchestrator.db under WORKSPACE_DIR. */
export function storePath(config: Config): string {
  return config.dbPath ?? join(config.workspaceDir, DEFAULTS.dbFileName);
}
