import { OrchestratorError } from '../domain/errors.js';

/**
 * Variables a child process (a Claude Code CLI, a tool) may inherit from the server: what a program needs to
 * find binaries, write temp files, speak the user's locale and reach the network through a proxy. Nothing
 * else passes, so a secret in the server's environment (API keys, cloud credentials, the orchestrator
 * token) never reaches a child, or a model that can read its environment, by accident.
 */
export const CHILD_ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_RUNTIME_DIR',
  // TLS trust and proxies: without them a child behind a corporate proxy can't reach the API at all.
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  // Windows needs these to start any process.
  'SYSTEMROOT',
  'SystemRoot',
  'COMSPEC',
  'PATHEXT',
];

/** Locale variables (LC_ALL, LC_CTYPE, ...) pass by prefix. */
const ALLOWED_PREFIXES: readonly string[] = ['LC_'];

/** Never handed to a child, whatever the caller asks: it is the key to the orchestrator itself. */
export const CHILD_ENV_FORBIDDEN: readonly string[] = ['ORCHESTRATOR_TOKEN'];

export interface ChildEnvOptions {
  /** More names to copy from the source when present (e.g. a backend's own documented variables). */
  readonly allow?: readonly string[];
  /** Values to set whatever the source holds, e.g. the API key the child must use. Explicit, so reviewable. */
  readonly set?: Readonly<Record<string, string>>;
}

/**
 * The environment for a child process: the allowlisted variables of `source`, then `allow`, then `set`.
 * Pass the result as `env` to `spawn`/`execFile` (never merge it into process.env).
 */
export function childEnv(source: Readonly<Record<string, string | undefined>>, options: ChildEnvOptions = {}): Record<string, string> {
  const asked = [...(options.allow ?? []), ...Object.keys(options.set ?? {})];
  const forbidden = asked.filter((name) => CHILD_ENV_FORBIDDEN.includes(name));
  if (forbidden.length > 0) {
    // A programming error, not user input: fail loudly rather than drop it silently.
    throw new OrchestratorError('internal', `${forbidden.join(', ')} must never be passed to a child process.`);
  }
  const allowed = new Set([...CHILD_ENV_ALLOWLIST, ...(options.allow ?? [])]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (allowed.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.set ?? {})) env[name] = value;
  return env;
}
