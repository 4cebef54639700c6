import type { IncomingHttpHeaders } from 'node:http';
import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';

export type GuardDecision = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * DNS-rebinding and cross-origin protection, as the MCP transport guidance asks: the Host header must name
 * an allowed host (a rebinding page's requests carry its own name), and an Origin, when a browser sends one,
 * must too. Validation itself is the SDK's (port-agnostic, IPv6-aware, deny on unparsable values).
 */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, allowed: readonly string[]): GuardDecision {
  const list = [...allowed];
  const host = validateHostHeader(headers.host, list);
  if (!host.ok) return { ok: false, message: `${host.message}. Allowed hosts: ${list.join(', ')}; add the name clients use to ALLOWED_HOSTS.` };
  const origin = validateOriginHeader(headers.origin, list);
  if (!origin.ok) return { ok: false, message: `${origin.message}. Browsers may only call this server from an allowed host (ALLOWED_HOSTS).` };
  return { ok: true };
}
