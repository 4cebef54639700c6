import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import { ANONYMOUS, bearerChallenge, type BearerAuth, type Principal } from './auth.js';
import { checkHostAndOrigin } from './host-origin-guard.js';
import { sendRefusal } from './http-json.js';
import type { RateLimiter } from './rate-limit.js';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from './session-cookie.js';

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

/** GET and HEAD of these need no token: liveness, and the dashboard's page (a login form until signed in) and static assets. */
const OPEN_READS = new Set(['/health', '/', '/dashboard.js', '/conversation.js', '/refresher.js', '/approvals.js', '/activity.js', '/evidence.js', '/instances.js', '/dashboard.css', '/favicon.svg']);
/** Signing in and out of the dashboard (POST). */
const OPEN_POSTS = new Set(['/login', '/logout']);

function isOpen(method: string | undefined, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return OPEN_READS.has(path);
  return method === 'POST' && OPEN_POSTS.has(path);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** GET or HEAD of /health (trailing slashes as the route reads them): rate limited in a bucket of its own. */
export function isHealthProbe(method: string | undefined, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && path.replace(/\/+$/, '') === '/health';
}

/**
 * Whether a page on another origin could have sent this request without a CORS preflight (a form post, a
 * `fetch` with a text body, a beacon): a POST with no Authorization header, no CSRF header and no JSON body.
 * Other methods, custom headers and `application/json` all need a preflight, which this server never approves.
 * The Origin check alone does not stop these: pages on other ports of the same host pass it, and the session
 * cookie goes with them (SameSite does not separate ports). Signing in (a form post) is the one exception: it
 * needs the token.
 */
export function forgeable(method: string | undefined, path: string, headers: IncomingMessage['headers']): boolean {
  if (method !== 'POST' || path === '/login') return false;
  if (headers.authorization !== undefined || headers[CSRF_HEADER] === '1') return false;
  const type = String(headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return type !== 'application/json';
}

/**
 * Every request passes here before any route: Host/Origin (403), then who it is (a bearer token, or the
 * dashboard's session cookie), then the rate limit for that client (429; GET/HEAD /health in a bucket of its
 * own), then the token (401), then, for a change made with only the cookie or a POST another page could
 * forge, the dashboard's CSRF header (403), with or without a token configured. Open without a token: GET
 * /health, the dashboard's page and assets, and its login/logout. Returns undefined when the request was refused (and answered).
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

  // The Authorization header when there is one; else the dashboard's session cookie.
  let outcome = options.auth.authenticate(req.headers.authorization);
  let byCookie = false;
  if (outcome.kind === 'missing' && options.auth.required) {
    const session = options.auth.authenticateSession(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session.kind !== 'missing') {
      outcome = session;
      byCookie = session.kind === 'ok';
    }
  }
  const principal = outcome.kind === 'ok' ? outcome.principal : ANONYMOUS;
  // Keyed by address and credential: clients behind one proxy don't starve each other, and a guesser
  // cycling through wrong tokens stays in the one anonymous bucket of its address. Liveness has a bucket of
  // its own per address, so a flood of other requests never fails a health probe.
  const rate = options.limiter.take(isHealthProbe(req.method, path) ? `${remote}|health` : `${remote}|${principal.id}`);
  if (!rate.allowed) {
    options.logger.debug({ status: 429, path, remote }, 'rate limited');
    sendRefusal(res, mcp, 429, 'rate_limited', `Too many requests; retry after ${rate.retryAfterSeconds} s (RATE_LIMIT_PER_MINUTE).`, {
      'retry-after': String(rate.retryAfterSeconds),
    });
    return undefined;
  }

  const open = isOpen(req.method, path);
  if (options.auth.required && outcome.kind !== 'ok' && !open) {
    options.logger.info({ status: 401, path, remote, reason: outcome.kind }, 'refused a request without a valid token');
    const message =
      outcome.kind === 'invalid'
        ? 'The bearer token (or dashboard session) is not valid for this server; sign in again at / or send a valid token.'
        : 'This server requires a token: send `Authorization: Bearer <ORCHESTRATOR_TOKEN>`, or sign in to the dashboard at /.';
    sendRefusal(res, mcp, 401, 'unauthorized', message, { 'www-authenticate': bearerChallenge(outcome.kind) });
    return undefined;
  }
  if (byCookie && !SAFE_METHODS.has(req.method ?? 'GET') && !open && req.headers[CSRF_HEADER] !== '1') {
    options.logger.info({ status: 403, path, remote }, 'refused a cookie-authenticated change without the dashboard header');
    sendRefusal(res, mcp, 403, 'forbidden', `A change made with the dashboard's session cookie must carry the header ${CSRF_HEADER}: 1 (the dashboard's own requests do); other clients send Authorization: Bearer <token>.`);
    return undefined;
  }
  if (forgeable(req.method, path, req.headers)) {
    options.logger.info({ status: 403, path, remote }, 'refused a POST that another page could have forged');
    sendRefusal(
      res,
      mcp,
      403,
      'forbidden',
      `A POST must carry the header ${CSRF_HEADER}: 1 or a JSON body (content-type: application/json), or an Authorization header: without one, any web page open in the browser could send it (CSRF).`,
    );
    return undefined;
  }
  return { principal };
}
