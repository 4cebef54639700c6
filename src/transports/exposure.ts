import { isIP } from 'node:net';
import { OrchestratorError } from '../domain/errors.js';

/** Addresses that accept connections from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return /^::ffff:127\./.test(h);
}

/** Addresses that listen on every interface: not a name any client would put in a Host header. */
function isWildcard(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

const HOW =
  'Set ORCHESTRATOR_TOKEN to a long random secret (e.g. `export ORCHESTRATOR_TOKEN=$(openssl rand -hex 32)`) and have clients send ' +
  '`Authorization: Bearer <token>`. See SECURITY.md.';

/**
 * Refuses to expose the server beyond this machine without a token. Anyone who can reach the port could
 * otherwise spawn instances, read every conversation and spend the API budget. Exposure is a bind beyond
 * loopback, or ALLOWED_HOSTS naming other hosts: that is how a reverse proxy in front of a loopback bind
 * is configured, and the proxy makes the server just as reachable.
 */
export function assertExposureAllowed(host: string, tokens: readonly string[] | undefined, allowedHosts: readonly string[] = []): void {
  if (tokens !== undefined && tokens.length > 0) return;
  if (!isLoopbackHost(host)) {
    throw new OrchestratorError(
      'invalid_input',
      `Refusing to listen on ${host} without a token: anyone who can reach it could spawn Claude instances, read their conversations ` +
        `and spend your API budget. ${HOW} Or keep the default ORCHESTRATOR_HOST=localhost.`,
    );
  }
  const remote = allowedHosts.filter((h) => !isLoopbackHost(h));
  if (remote.length > 0) {
    throw new OrchestratorError(
      'invalid_input',
      `Refusing ALLOWED_HOSTS=${remote.join(',')} without a token: clients reaching the server under those names (through a proxy) ` +
        `could spawn Claude instances, read their conversations and spend your API budget. ${HOW}`,
    );
  }
}

/**
 * The host names accepted in Host and Origin headers: loopback always (a local proxy or client), the bound
 * address when it is a specific one, and ALLOWED_HOSTS. In the SDK validators' form (IPv6 in brackets).
 */
export function allowedHostnames(bindHost: string, extra: readonly string[]): string[] {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const bound = bindHost.toLowerCase();
  if (!isWildcard(bound) && !isLoopbackHost(bound)) names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  for (const host of extra) names.add(host.toLowerCase());
  return [...names];
}
