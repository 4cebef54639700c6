/**
 * Where an agent's request goes. The path is normalised once, here, and the upstream request uses the
 * normalised form, so the upstream can never see a model call that our routing did not (e.g.
 * `/v1/x/../messages` or `/v1/%6Dessages` slipping past the hold as a "pass-through").
 */
export type ProxyTarget =
  /** A model call: held against the budgets, capped, metered. */
  | { readonly kind: 'model_call'; readonly upstreamPath: string }
  /** No model output (count_tokens, models, ...): forwarded as is. */
  | { readonly kind: 'pass_through'; readonly upstreamPath: string }
  /** Never forwarded. */
  | { readonly kind: 'refused'; readonly status: number; readonly errorType: string; readonly message: string };

const MODEL_CALL_PATH = '/v1/messages';

/**
 * Endpoints that make model calls the proxy can't hold one by one: a batch runs many calls later,
 * outside any turn; the legacy completions endpoint has no usage to settle. Claude Code uses neither.
 */
const UNHELD_MODEL_PATHS = ['/v1/messages/batches', '/v1/complete'];

export function proxyTarget(method: string, rawUrl: string): ProxyTarget {
  let url: URL;
  let canonical: string;
  try {
    url = new URL(rawUrl, 'http://proxy.invalid');
    canonical = decodeURIComponent(url.pathname).replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  } catch {
    return { kind: 'refused', status: 400, errorType: 'invalid_request_error', message: `Malformed request path: ${rawUrl}` };
  }
  if (canonical.includes('/..') || canonical.includes('\\')) {
    // A dot segment that survived decoding would be resolved differently upstream than here.
    return { kind: 'refused', status: 400, errorType: 'invalid_request_error', message: `Malformed request path: ${url.pathname}` };
  }
  if (UNHELD_MODEL_PATHS.some((path) => canonical === path || canonical.startsWith(`${path}/`))) {
    const message = `claude-orchestrator does not forward ${canonical}: its model calls could not be held against this agent's budget.`;
    return { kind: 'refused', status: 403, errorType: 'permission_error', message };
  }
  if (canonical === MODEL_CALL_PATH) {
    if (method !== 'POST') return { kind: 'refused', status: 405, errorType: 'invalid_request_error', message: `${method} ${MODEL_CALL_PATH} is not supported.` };
    return { kind: 'model_call', upstreamPath: `${MODEL_CALL_PATH}${url.search}` };
  }
  return { kind: 'pass_through', upstreamPath: `${url.pathname}${url.search}` };
}
