import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a request acts as: `anonymous` without a valid token, else one id per configured token. */
export interface Principal {
  readonly id: string;
  readonly authenticated: boolean;
}

export const ANONYMOUS: Principal = { id: 'anonymous', authenticated: false };

export type AuthOutcome =
  | { readonly kind: 'ok'; readonly principal: Principal }
  /** No Authorization header, or not a Bearer one. */
  | { readonly kind: 'missing' }
  /** A Bearer token that matches none configured. */
  | { readonly kind: 'invalid' };

export interface BearerAuth {
  /** Whether routes other than GET /health need a token. */
  readonly required: boolean;
  authenticate(authorization: string | undefined): AuthOutcome;
  /** A dashboard session for a token typed into the login form: the cookie value, or undefined for a wrong token. */
  startSession(token: string): string | undefined;
  /** Checks a session cookie's value: `ok` as the token it was started with, while it has not expired. */
  authenticateSession(value: string | undefined): AuthOutcome;
}

/** How long a dashboard login lasts (the cookie's Max-Age and the session's own expiry). */
export const SESSION_SECONDS = 12 * 3600;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens. Tokens are compared as HMACs under a
 * key made at startup, with timingSafeEqual over equal-length digests and without stopping at the first
 * match, so neither the length nor the content of a token leaks through timing. A principal id is derived
 * from the digest: sessions and rate limits can tell tokens apart without holding any token.
 */
export function createBearerAuth(tokens: readonly string[] | undefined, now: () => number = Date.now): BearerAuth {
  const key = randomBytes(32);
  const digest = (token: string): Buffer => createHmac('sha256', key).update(token, 'utf8').digest();
  const known = (tokens ?? []).map((token, index) => {
    const d = digest(token);
    return { digest: d, principal: { id: `token:${index}:${d.subarray(0, 6).toString('hex')}`, authenticated: true } as Principal };
  });
  const match = (token: string): number => {
    const presented = digest(token);
    let found = -1;
    known.forEach((candidate, index) => {
      if (timingSafeEqual(candidate.digest, presented) && found < 0) found = index;
    });
    return found;
  };
  // A session names its token by index and carries its expiry, signed under the startup key: the cookie holds
  // no token, a restart ends every session, and nothing about sessions is kept in memory.
  const sign = (index: number, expires: number): string => createHmac('sha256', key).update(`session|${index}|${expires}`).digest('base64url');
  return {
    required: known.length > 0,
    authenticate(authorization) {
      const bearer = BEARER.exec(authorization ?? '');
      if (!bearer?.[1]) return { kind: 'missing' };
      if (known.length === 0) return { kind: 'ok', principal: ANONYMOUS };
      const index = match(bearer[1]);
      const found = known[index];
      return found ? { kind: 'ok', principal: found.principal } : { kind: 'invalid' };
    },
    startSession(token) {
      const index = known.length > 0 && TOKEN.test(token) ? match(token) : -1;
      if (index < 0) return undefined;
      const expires = Math.floor(now() / 1000) + SESSION_SECONDS;
      return `${index}.${expires}.${sign(index, expires)}`;
    },
    authenticateSession(value) {
      const parts = SESSION.exec(value ?? '');
      if (!parts) return { kind: 'missing' };
      const index = Number(parts[1]);
      const expires = Number(parts[2]);
      const expected = Buffer.from(sign(index, expires));
      const presented = Buffer.from(parts[3] ?? '');
      const valid = presented.length === expected.length && timingSafeEqual(presented, expected);
      const found = known[index];
      return valid && found && expires > now() / 1000 ? { kind: 'ok', principal: found.principal } : { kind: 'invalid' };
    },
  };
}

const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SESSION = /^(\d{1,4})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** The RFC 6750 challenge for a 401: says a Bearer token is needed and, when one was sent, that it was wrong. */
export function bearerChallenge(outcome: 'missing' | 'invalid'): string {
  return outcome === 'invalid' ? 'Bearer realm="claude-orchestrator", error="invalid_token"' : 'Bearer realm="claude-orchestrator"';
}
