import { SESSION_SECONDS } from './auth.js';

/** The dashboard's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const SESSION_COOKIE = 'orchestrator_session';

/**
 * The header the dashboard's own requests carry. A request that changes state with only the cookie as its
 * credential must have it: another site's form or image cannot set a custom header, and a script on another
 * origin could only with a CORS preflight this server never approves.
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
