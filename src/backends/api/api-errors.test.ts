import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../../domain/errors.js';
import { fromApiError } from './api-errors.js';

const live = new AbortController().signal;
const api = (status: number) => Anthropic.APIError.generate(status, { type: 'error', error: { type: 'x', message: 'no' } }, 'no', new Headers());

describe('fromApiError: what the SDK throws, as an error a user can act on', () => {
  it.each([
    [401, 'not_configured', /rejected the API key \(401\).*ANTHROPIC_API_KEY/],
    [403, 'backend_error', /not allowed to do this \(403\)/],
    [404, 'backend_error', /404 \(often an unknown model name\)/],
    [400, 'backend_error', /refused the request \(400\)/],
    [422, 'backend_error', /refused the request \(422\)/],
    [429, 'backend_unavailable', /Rate limited.*Try again shortly/],
    [529, 'backend_unavailable', /overloaded \(529\)/],
    [408, 'backend_unavailable', /failed \(408\)/],
    [409, 'backend_unavailable', /failed \(409\)/],
    [418, 'backend_error', /failed \(418\)/],
    [502, 'backend_unavailable', /failed \(502\)/],
  ])('maps %i to %s', (status, code, message) => {
    const e = fromApiError(api(status), live);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('says the network when the API cannot be reached', () => {
    const e = fromApiError(new Anthropic.APIConnectionError({ message: 'Connection error.' }), live);
    expect(e).toMatchObject({ code: 'backend_unavailable', message: expect.stringMatching(/Cannot reach the Messages API.*ANTHROPIC_BASE_URL/) });
  });

  it("gives a cancelled turn's own reason, or says it was cancelled, and passes an orchestrator error through", () => {
    const why = new OrchestratorError('timeout', 'took too long');
    expect(fromApiError(api(500), AbortSignal.abort(why))).toBe(why);
    expect(fromApiError(api(500), AbortSignal.abort())).toMatchObject({ code: 'cancelled' });
    expect(fromApiError(why, live)).toBe(why);
  });

  it('says how the retries went', () => {
    expect(fromApiError(api(529), live, { retries: 1, gaveUp: 'out_of_retries', elapsedMs: 1_234 }).message).toMatch(/Gave up after 1 retry over 1.2 s \(API_MAX_RETRIES\)\.$/);
    expect(fromApiError(api(529), live, { retries: 3, gaveUp: 'out_of_time', elapsedMs: 9_000 }).message).toMatch(/Gave up after 3 retries over 9 s: the next wait would pass API_RETRY_MAX_SECONDS\.$/);
    expect(fromApiError(api(529), live, { retries: 2, gaveUp: 'past_deadline', elapsedMs: 500 }).message).toMatch(/pass this turn's timeout\.$/);
    expect(fromApiError(api(400), live, { retries: 2, gaveUp: 'not_retryable', elapsedMs: 500 }).message).toMatch(/\(Not retryable; it came after 2 retries\.\)$/);
    const first = fromApiError(api(400), live, { retries: 0, gaveUp: 'not_retryable', elapsedMs: 0 });
    expect(first.message).toMatch(/^The Messages API refused the request \(400\): [^(]*$/);
    expect(first.details).toMatchObject({ retries: 0, gave_up: 'not_retryable' });
  });

  it('says until when to wait when the server asked for longer than may be waited', () => {
    const at = Date.now() + 3_600_000;
    const e = fromApiError(api(429), live, { retries: 0, gaveUp: 'out_of_time', elapsedMs: 0, retryAfterMs: 3_600_000, retryAtWallMs: at });
    expect(e.message).toMatch(/retry-after 3600 s\), longer than API_RETRY_MAX_SECONDS allows waiting; try again after that\.$/);
    expect(e.message).not.toMatch(/shortly/);
    expect(e.details).toMatchObject({ retry_after_seconds: 3600, retry_at: new Date(at).toISOString() });
    const deadline = fromApiError(api(429), live, { retries: 0, gaveUp: 'past_deadline', elapsedMs: 0, retryAfterMs: 60_000, retryAtWallMs: at });
    expect(deadline.message).toMatch(/longer than this turn's timeout allows/);
  });
});
