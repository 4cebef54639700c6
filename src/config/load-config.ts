import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import { DEFAULTS } from './defaults.js';
import { SETTINGS, type SettingKey, type SettingSpec } from './settings.js';

/** The typed configuration the whole server runs on. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly maxInstances: number;
  readonly maxTokensPerInstance: number;
  readonly maxTotalCostUsd: number;
  readonly instanceTimeoutMinutes: number;
  readonly workspaceDir: string;
  readonly logLevel: string;
  readonly defaultModel: string;
  readonly maxOutputTokens: number;
  readonly sendTimeoutSeconds: number;
  readonly healthCheckIntervalSeconds: number;
  readonly coordinationConcurrency: number;
  readonly coordinationTimeoutSeconds: number;
  readonly maxDelegationDepth: number;
  readonly maxChildrenPerParent: number;
  readonly priceTablePath: string | undefined;
}

const BASE: Config = {
  host: DEFAULTS.host,
  port: DEFAULTS.port,
  apiKey: undefined,
  baseUrl: undefined,
  maxInstances: DEFAULTS.maxInstances,
  maxTokensPerInstance: DEFAULTS.maxTokensPerInstance,
  maxTotalCostUsd: DEFAULTS.maxTotalCostUsd,
  instanceTimeoutMinutes: DEFAULTS.instanceTimeoutMinutes,
  workspaceDir: DEFAULTS.workspaceDir,
  logLevel: DEFAULTS.logLevel,
  defaultModel: DEFAULTS.model,
  maxOutputTokens: DEFAULTS.maxOutputTokens,
  sendTimeoutSeconds: DEFAULTS.sendTimeoutSeconds,
  healthCheckIntervalSeconds: DEFAULTS.healthCheckIntervalSeconds,
  coordinationConcurrency: DEFAULTS.coordinationConcurrency,
  coordinationTimeoutSeconds: DEFAULTS.coordinationTimeoutSeconds,
  maxDelegationDepth: DEFAULTS.maxDelegationDepth,
  maxChildrenPerParent: DEFAULTS.maxChildrenPerParent,
  priceTablePath: undefined,
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
    const fromEnv = env[spec.env];
    const fromFlag = flags[spec.key];
    const [raw, origin] = fromFlag !== undefined ? [fromFlag, spec.flag] : [fromEnv, spec.env];
    if (raw === undefined || raw === '') continue;
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      throw new OrchestratorError('invalid_input', `Invalid ${origin} ${shown}: ${z.prettifyError(parsed.error)}`);
    }
    out[spec.key] = parsed.data;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = value;
  return out as unknown as Config;
}
