import type { IncomingHttpHeaders } from 'node:http';

/** The real Messages API the proxy forwards to, and the credential only the proxy holds. */
export interface ProxyUpstream {
  /** e.g. https://api.anthropic.com (the caller fills in that default). */
  readonly baseUrl: string;
  /** Sent as x-api-key; takes precedence over oauthToken. */
  readonly apiKey: string | undefined;
  /** A Claude subscription's OAuth token, sent as a Bearer token with the OAuth beta. */
  readonly oauthToken: string | undefined;
}

/** The beta the API requires alongside an OAuth bearer token. */
export const OAUTH_BETA = 'oauth-2025-04-20';

/**
 * Never forwarded: hop-by-hop headers describe the agent's connection to us, not ours upstream (and
 * undici refuses several of them), and the agent's credential is only a capability for this proxy.
 */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'proxy-connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
  'proxy-authorization',
  'x-api-key',
  'authorization',
]);

/** Upstream reply headers the agent's SDK acts on: parsing, request ids, retry decisions, rate limits. */
const PASSED_REPLY_HEADERS = new Set(['content-type', 'cache-control', 'request-id', 'retry-after', 'retry-after-ms', 'x-should-retry']);

/** The token an agent presented: its x-api-key, else its `Authorization: Bearer` token. */
export function agentToken(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/** The agent's headers as they go upstream: the agent's own connection and credential out, the real credential in. */
export function upstreamHeaders(incoming: IncomingHttpHeaders, upstream: ProxyUpstream): Headers {
  // Headers the agent named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1).
  const named = String(incoming.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || DROPPED_HEADERS.has(name) || named.includes(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  // Identity encoding: the proxy reads usage out of the SSE stream as it passes.
  headers.set('accept-encoding', 'identity');
  if (upstream.apiKey) {
    headers.set('x-api-key', upstream.apiKey);
  } else if (upstream.oauthToken) {
    headers.set('authorization', `Bearer ${upstream.oauthToken}`);
    headers.set('anthropic-beta', withBeta(headers.get('anthropic-beta'), OAUTH_BETA));
  }
  return headers;
}

/** The upstream reply's headers the agent gets back (content-length excluded: the body is re-streamed). */
export function replyHeaders(response: Response): Record<string, string> {
  const passed: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (PASSED_REPLY_HEADERS.has(name) || name.startsWith('anthropic-')) passed[name] = value;
  });
  return passed;
}

function withBeta(list: string | null, beta: string): string {
  const betas = (list ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return (betas.includes(beta) ? betas : [...betas, beta]).join(',');
}
