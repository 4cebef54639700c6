import { describe, expect, it } from 'vitest';
import { ANONYMOUS, bearerChallenge, createBearerAuth, SESSION_SECONDS } from './auth.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(64);

describe('createBearerAuth', () => {
  it('tells tokens apart by principal, and knows the same token again', () => {
    const auth = createBearerAuth([A, B]);
    const a1 = auth.authenticate(`Bearer ${A}`);
    const a2 = auth.authenticate(`bearer ${A}`);
    const b = auth.authenticate(`Bearer ${B}`);
    expect(a1.kind === 'ok' && a2.kind === 'ok' && b.kind === 'ok').toBe(true);
    if (a1.kind !== 'ok' || a2.kind !== 'ok' || b.kind !== 'ok') return;
    expect(a1.principal).toEqual(a2.principal);
    expect(a1.principal.id).not.toBe(b.principal.id);
    expect(a1.principal.authenticated).toBe(true);
    // The principal id carries no part of the token.
    expect(a1.principal.id).not.toContain(A);
  });

  it('says missing for no or non-Bearer credentials and invalid for a wrong token', () => {
    const auth = createBearerAuth([A]);
    expect(auth.required).toBe(true);
    expect(auth.authenticate(undefined).kind).toBe('missing');
    expect(auth.authenticate(`Basic ${A}`).kind).toBe('missing');
    expect(auth.authenticate(`Bearer ${A}"`).kind).toBe('missing');
    expect(auth.authenticate(`Bearer ${A.slice(1)}`).kind).toBe('invalid');
    expect(auth.authenticate(`Bearer ${A}a`).kind).toBe('invalid');
    expect(auth.authenticate(`Bearer ${B}`).kind).toBe('invalid');
  });

  it('requires nothing without tokens', () => {
    const auth = createBearerAuth(undefined);
    expect(auth.required).toBe(false);
    expect(auth.authenticate(`Bearer ${A}`)).toEqual({ kind: 'ok', principal: ANONYMOUS });
  });

  it('challenges per RFC 6750', () => {
    expect(bearerChallenge('missing')).toBe('Bearer realm="claude-orchestrator"');
    expect(bearerChallenge('invalid')).toBe('Bearer realm="claude-orchestrator", error="invalid_token"');
  });

  it('starts a dashboard session for a right token only; the session names its token, expires, and dies with the server', () => {
    let now = 1_000_000_000_000;
    const auth = createBearerAuth([A, B], () => now);
    expect(auth.startSession('wrong')).toBeUndefined();
    expect(auth.startSession(`${A}"`)).toBeUndefined();
    const session = auth.startSession(B);
    expect(session).toBeDefined();
    expect(session).not.toContain(B);
    const viaSession = auth.authenticateSession(session);
    const viaHeader = auth.authenticate(`Bearer ${B}`);
    expect(viaSession.kind === 'ok' && viaHeader.kind === 'ok' && viaSession.principal.id === viaHeader.principal.id).toBe(true);
    expect(auth.authenticateSession(undefined).kind).toBe('missing');
    expect(auth.authenticateSession('garbage').kind).toBe('missing');
    // Another token's index with this signature, or a longer life, does not verify.
    expect(auth.authenticateSession(session?.replace(/^1\./, '0.')).kind).toBe('invalid');
    expect(auth.authenticateSession(session?.replace(/\.(\d+)\./, (_, t: string) => `.${Number(t) + 1}.`)).kind).toBe('invalid');
    now += (SESSION_SECONDS + 1) * 1000;
    expect(auth.authenticateSession(session).kind).toBe('invalid');
    expect(createBearerAuth([A, B]).authenticateSession(session).kind).toBe('invalid');
    expect(createBearerAuth(undefined).startSession(A)).toBeUndefined();
  });
});
