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
  /** Checks a session cookie's value: `ok` as the token it was started with, while it has not expired and was not ended. */
  authenticateSession(value: string | undefined): AuthOutcome;
  /** Ends a session (sign out): its cookie value is refused from now on, even if a copy was kept. */
  endSession(value: string | undefined): void;
}

/** How long a dashboard login lasts (the cookie's Max-Age and the session's own expiry). */
export const SESSION_SECONDS = 12 * 3600;

/**
 * Ended sessions remembered until they expire. Bounded, so sign-outs can't grow memory without limit: past
 * it, the expired are dropped, then the oldest (which a restart would end anyway, as it ends every session).
 */
export const MAX_ENDED_SESSIONS = 10_000;

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
  // A session names its token by index and carries its expiry and a nonce (two sign-ins in one second are
  // two sessions), signed under the startup key: the cookie holds no token and a restart ends every session. Only sessions ended by a sign-out are kept in memory (their
  // signature, until it expires), so a copy of a signed-out cookie is refused.
  const sign = (index: number, expires: number, nonce: string): string => createHmac('sha256', key).update(`session|${index}|${expires}|${nonce}`).digest('base64url');
  const ended = new Map<string, number>();
  const check = (value: string | undefined): { outcome: AuthOutcome; signature?: string; expires?: number } => {
    const parts = SESSION.exec(value ?? '');
    if (!parts) return { outcome: { kind: 'missing' } };
    const index = Number(parts[1]);
    const expires = Number(parts[2]);
    const signature = parts[4] ?? '';
    const expected = Buffer.from(sign(index, expires, parts[3] ?? ''));
    const presented = Buffer.from(signature);
    const valid = presented.length === expected.length && timingSafeEqual(presented, expected);
    const found = known[index];
    const live = valid && found && expires > now() / 1000 && !ended.has(signature);
    return live ? { outcome: { kind: 'ok', principal: found.principal }, signature, expires } : { outcome: { kind: 'invalid' } };
  };
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
      const nonce = randomBytes(9).toString('base64url');
      return `${index}.${expires}.${nonce}.${sign(index, expires, nonce)}`;
    },
    authenticateSession(value) {
      return check(value).outcome;
    },
    endSession(value) {
      const { outcome, signature, expires } = check(value);
      if (outcome.kind !== 'ok' || signature === undefined || expires === undefined) return;
      if (ended.size >= MAX_ENDED_SESSIONS) {
        const nowSeconds = now() / 1000;
        for (const [sig, until] of ended) if (until <= nowSeconds) ended.delete(sig);
        // All still live: forget the oldest sign-out (insertion order is expiry order: sessions last equally long).
        if (ended.size >= MAX_ENDED_SESSIONS) ended.delete(ended.keys().next().value as string);
      }
      ended.set(signature, expires);
    },
  };
}

const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SESSION = /^(\d{1,4})\.(\d{1,12})\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{43})$/;

/** The RFC 6750 challenge for a 401: says a Bearer token is needed and, when one was sent, that it was wrong. */
export function bearerChallenge(outcome: 'missing' | 'invalid'): string {
  return outcome === 'invalid' ? 'Bearer realm="claude-orchestrator", error="invalid_token"' : 'Bearer realm="claude-orchestrator"';
}
