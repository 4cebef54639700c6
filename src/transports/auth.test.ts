import { describe, expect, it } from 'vitest';
import { ANONYMOUS, bearerChallenge, createBearerAuth, MAX_ENDED_SESSIONS, SESSION_SECONDS } from './auth.js';

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

  it('ends a session on sign-out: that cookie is refused from then on, another of the same second is not', () => {
    const auth = createBearerAuth([A], () => 1_000_000_000_000);
    const first = auth.startSession(A);
    const second = auth.startSession(A);
    expect(first).not.toBe(second);
    auth.endSession(first);
    expect(auth.authenticateSession(first).kind).toBe('invalid');
    expect(auth.authenticateSession(second).kind).toBe('ok');
    // Ending nothing, garbage or a forged value is harmless.
    auth.endSession(undefined);
    auth.endSession('garbage');
    auth.endSession(second?.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(auth.authenticateSession(second).kind).toBe('ok');
  });

  it('keeps ended sessions in bounded memory: expired ones are dropped first, then the oldest', () => {
    let now = 1_000_000_000_000;
    const auth = createBearerAuth([A], () => now);
    const old = auth.startSession(A);
    auth.endSession(old);
    now += (SESSION_SECONDS + 1) * 1000; // `old` has expired: it makes room when the set is full
    const ended: string[] = [];
    for (let i = 0; i < MAX_ENDED_SESSIONS; i++) {
      const s = auth.startSession(A) as string;
      auth.endSession(s);
      ended.push(s);
    }
    expect(ended.every((s) => auth.authenticateSession(s).kind === 'invalid')).toBe(true);
    const one = auth.startSession(A);
    auth.endSession(one); // full of live sessions: the oldest is forgotten
    expect(auth.authenticateSession(one).kind).toBe('invalid');
    expect(auth.authenticateSession(ended[0]).kind).toBe('ok');
    expect(auth.authenticateSession(ended[1]).kind).toBe('invalid');
  });
});
