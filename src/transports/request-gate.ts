import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import { ANONYMOUS, bearerChallenge, type BearerAuth, type Principal } from './auth.js';
import { checkHostAndOrigin } from './host-origin-guard.js';
import { sendRefusal } from './http-json.js';
import type { RateLimiter } from './rate-limit.js';

export interface GateOptions {
  readonly auth: BearerAuth;
  readonly limiter: RateLimiter;
  readonly allowedHosts: readonly string[];
  readonly logger: Logger;
}

/** A request that passed the gate, and who it acts as. */
export interface Admitted {
  readonly principal: Principal;
}

/**
 * Every request passes here before any route: Host/Origin (403), then who it is, then the rate limit for
 * that client (429), then the token (401). `GET /health` is the one route open without a token. Returns
 * undefined when the request was refused (and answered).
 */
export function admit(options: GateOptions, req: IncomingMessage, res: ServerResponse, path: string): Admitted | undefined {
  const mcp = path === '/mcp' || path === '/mcp/';
  const remote = req.socket.remoteAddress ?? 'unknown';
  const guard = checkHostAndOrigin(req.headers, options.allowedHosts);
  if (!guard.ok) {
    options.logger.info({ status: 403, path, remote }, 'refused a request from a host or origin that is not allowed');
    sendRefusal(res, mcp, 403, 'forbidden', guard.message);
    return undefined;
  }

  const outcome = options.auth.authenticate(req.headers.authorization);
  const principal = outcome.kind === 'ok' ? outcome.principal : ANONYMOUS;
  // Keyed by address and credential: clients behind one proxy don't starve each other, and a guesser
  // cycling through wrong tokens stays in the one anonymous bucket of its address.
  const rate = options.limiter.take(`${remote}|${principal.id}`);
  if (!rate.allowed) {
    options.logger.debug({ status: 429, path, remote }, 'rate limited');
    sendRefusal(res, mcp, 429, 'rate_limited', `Too many requests; retry after ${rate.retryAfterSeconds} s (RATE_LIMIT_PER_MINUTE).`, {
      'retry-after': String(rate.retryAfterSeconds),
    });
    return undefined;
  }

  const open = path === '/health' && (req.method === 'GET' || req.method === 'HEAD');
  if (options.auth.required && outcome.kind !== 'ok' && !open) {
    options.logger.info({ status: 401, path, remote, reason: outcome.kind }, 'refused a request without a valid token');
    const message =
      outcome.kind === 'invalid'
        ? 'The bearer token is not valid for this server.'
        : 'This server requires a token: send `Authorization: Bearer <ORCHESTRATOR_TOKEN>`.';
    sendRefusal(res, mcp, 401, 'unauthorized', message, { 'www-authenticate': bearerChallenge(outcome.kind) });
    return undefined;
  }
  return { principal };
}
