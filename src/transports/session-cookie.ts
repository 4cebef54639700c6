import { SESSION_SECONDS } from './auth.js';

/**
 * The dashboard's session cookie: HttpOnly (no script reads it), SameSite=Strict (a link or form from another
 * *site* doesn't send it). A site is the registrable domain without the port, so pages on other ports of
 * localhost or of the same host are the same site and their requests do carry it: the CSRF header below is
 * what keeps them from acting with it.
 */
export const SESSION_COOKIE = 'orchestrator_session';

/**
 * The header the dashboard's own requests carry. A POST without an Authorization header must have it (or a
 * JSON body, `content-type: application/json`), token or not: another page's form, image or "simple" fetch
 * cannot set a custom header or that content type, and a script on another origin could only with a CORS
 * preflight this server never approves.
 */
export const CSRF_HEADER = 'x-orchestrator-csrf';

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value that starts a session. `secure` when the page was reached over HTTPS (behind a proxy). */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that ends it. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
