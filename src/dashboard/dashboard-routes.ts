import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerAuth } from '../transports/auth.js';
import { HttpError } from '../transports/http-json.js';
import { only } from '../transports/route-helpers.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from '../transports/session-cookie.js';
import { loadDashboardAssets, type DashboardAssets } from './dashboard-assets.js';

/**
 * No inline script or style, nothing from elsewhere, no framing; the page talks only to this server.
 * (The page's script sets styles through CSSOM, which style-src does not govern.)
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it, a browser sends `Origin: null` on the login form's POST, which the Origin check refuses.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/** The static files; other paths never load the assets. */
const STATIC_PATHS = new Set(['/dashboard.js', '/conversation.js', '/refresher.js', '/approvals.js', '/activity.js', '/evidence.js', '/instances.js', '/dashboard.css', '/favicon.svg']);

// A token is at most 4096 characters (setting-schemas.ts); the form adds its name and encoding.
const MAX_LOGIN_BYTES = 16 * 1024;

export interface Dashboard {
  /** Answers `/`, the dashboard's assets, `/login` and `/logout`; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, signedIn: boolean): Promise<boolean>;
}

/**
 * The live dashboard: a hand-written page and script (src/dashboard/assets) over the REST routes and
 * GET /events. When the server has tokens, `/` is a login form until the token is posted to /login, which
 * sets an HttpOnly, SameSite=Strict session cookie (an HMAC-signed value, never the token itself).
 */
export function createDashboard(auth: BearerAuth, load: () => DashboardAssets = loadDashboardAssets): Dashboard {
  let assets: DashboardAssets | undefined;
  const get = () => (assets ??= load());
  return {
    async handle(req, res, url, signedIn) {
      const path = url.pathname;
      const method = req.method ?? 'GET';
      if (path === '/') {
        if (!only(method, ['GET', 'HEAD'], res)) return true;
        if (auth.required && !signedIn) sendPage(res, 200, get().login(''), method);
        else sendPage(res, 200, get().page(auth.required ? 'required' : 'open'), method);
        return true;
      }
      const file = STATIC_PATHS.has(path) ? get().files.get(path) : undefined;
      if (file) {
        if (!only(method, ['GET', 'HEAD'], res)) return true;
        const current = url.searchParams.get('v') === get().version;
        const headers = {
          ...SECURITY_HEADERS,
          'content-type': file.type,
          etag: file.etag,
          // A versioned URL never changes; the bare one is checked again each time.
          'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
        };
        if (req.headers['if-none-match'] === file.etag) {
          res.writeHead(304, headers).end();
          return true;
        }
        res.writeHead(200, { ...headers, 'content-length': file.body.length });
        res.end(method === 'HEAD' ? undefined : file.body);
        return true;
      }
      if (path === '/login') {
        if (!only(method, ['POST'], res)) return true;
        if (!auth.required) {
          redirect(res, '/');
          return true;
        }
        const session = auth.startSession(await readToken(req));
        if (!session) {
          sendPage(res, 401, get().login('That token is not valid for this server.'), method);
          return true;
        }
        redirect(res, '/', sessionCookie(session, req.headers['x-forwarded-proto'] === 'https'));
        return true;
      }
      if (path === '/logout') {
        if (!only(method, ['POST'], res)) return true;
        // Ended on the server too: a copy of the cookie kept elsewhere stops working now, not in 12 hours.
        auth.endSession(readCookie(req.headers.cookie, SESSION_COOKIE));
        redirect(res, '/', clearedSessionCookie());
        return true;
      }
      return false;
    },
  };
}

function sendPage(res: ServerResponse, status: number, html: string, method: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(method === 'HEAD' ? undefined : body);
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': 0, ...(cookie ? { 'set-cookie': cookie } : {}) });
  res.end();
}

/** The token from the login form (application/x-www-form-urlencoded) or a JSON body `{"token": "…"}`. */
async function readToken(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOGIN_BYTES) throw new HttpError(413, 'payload_too_large', `A login body is at most ${MAX_LOGIN_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    try {
      const body = JSON.parse(text) as unknown;
      return typeof body === 'object' && body !== null && typeof (body as { token?: unknown }).token === 'string' ? (body as { token: string }).token : '';
    } catch {
      throw new HttpError(400, 'invalid_input', 'The login body is not valid JSON; send {"token": "..."} or the form.');
    }
  }
  return new URLSearchParams(text).get('token')?.trim() ?? '';
}
