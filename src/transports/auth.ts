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
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens. Tokens are compared as HMACs under a
 * key made at startup, with timingSafeEqual over equal-length digests and without stopping at the first
 * match, so neither the length nor the content of a token leaks through timing. A principal id is derived
 * from the digest: sessions and rate limits can tell tokens apart without holding any token.
 */
export function createBearerAuth(tokens: readonly string[] | undefined): BearerAuth {
  const key = randomBytes(32);
  const digest = (token: string): Buffer => createHmac('sha256', key).update(token, 'utf8').digest();
  const known = (tokens ?? []).map((token, index) => {
    const d = digest(token);
    return { digest: d, principal: { id: `token:${index}:${d.subarray(0, 6).toString('hex')}`, authenticated: true } as Principal };
  });
  return {
    required: known.length > 0,
    authenticate(authorization) {
      const match = BEARER.exec(authorization ?? '');
      if (!match?.[1]) return { kind: 'missing' };
      if (known.length === 0) return { kind: 'ok', principal: ANONYMOUS };
      const presented = digest(match[1]);
      let found: Principal | undefined;
      for (const candidate of known) {
        if (timingSafeEqual(candidate.digest, presented) && !found) found = candidate.principal;
      }
      return found ? { kind: 'ok', principal: found } : { kind: 'invalid' };
    },
  };
}

/** The RFC 6750 challenge for a 401: says a Bearer token is needed and, when one was sent, that it was wrong. */
export function bearerChallenge(outcome: 'missing' | 'invalid'): string {
  return outcome === 'invalid' ? 'Bearer realm="claude-orchestrator", error="invalid_token"' : 'Bearer realm="claude-orchestrator"';
}
