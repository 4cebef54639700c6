import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from './http-io.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';

interface ErrorBody {
  type: string;
  error: { type: string; message: string };
  request_id: string;
}

describe('simulator: errors in the Anthropic shape', () => {
  let sim: RunningSimulator;
  let client: Anthropic;

  beforeEach(async () => {
    sim = await startSimulator();
    client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await sim.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'test-key', ...headers },
      body,
    });

  const expectError = async (response: Response, status: number, type: string): Promise<string> => {
    expect(response.status).toBe(status);
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_sim_/);
    const body = (await response.json()) as ErrorBody;
    expect(body).toMatchObject({ type: 'error', error: { type }, request_id: requestId });
    return body.error.message;
  };

  it('rejects an invalid body with a BadRequestError that names the problems', async () => {
    const failure = await client.messages.create({ model: MODEL, max_tokens: -5, messages: [] }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    if (!(failure instanceof Anthropic.BadRequestError)) return;
    expect(failure.status).toBe(400);
    expect(failure.type).toBe('invalid_request_error');
    expect(failure.apiMessage).toContain('max_tokens');
    expect(failure.apiMessage).toContain('messages: at least one message is required');
    expect(failure.requestID).toMatch(/^req_sim_/);
    expect(sim.requests).toHaveLength(0);
  });

  it('names the exact field inside a content block', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text' }] }] });
    const message = await expectError(await post('/v1/messages', body), 400, 'invalid_request_error');

    expect(message).toMatch(/^messages\.0\.content\.0\.text: /);
  });

  it('explains a content value of the wrong type', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 42 }] });
    const message = await expectError(await post('/v1/messages', body), 400, 'invalid_request_error');

    expect(message).toBe('messages.0.content: Invalid input: expected string or array');
  });

  it('rejects malformed JSON and a body that is not an object', async () => {
    expect(await expectError(await post('/v1/messages', '{"model": '), 400, 'invalid_request_error')).toContain(
      'not valid JSON',
    );
    expect(await expectError(await post('/v1/messages', '42'), 400, 'invalid_request_error')).toContain(
      'body: Invalid input: expected object',
    );
  });

  it('rejects sampling parameters under API version 2026-10-21 and accepts them before it', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 10, temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] });
    const message = await expectError(
      await post('/v1/messages', body, { 'anthropic-version': '2026-10-21' }),
      400,
      'invalid_request_error',
    );
    expect(message).toContain('temperature');

    const older = await post('/v1/messages', body, { 'anthropic-version': '2023-06-01' });
    expect(older.status).toBe(200);
  });

  it('answers an unknown route with 404 not_found_error', async () => {
    const message = await expectError(await fetch(`${sim.url}/v1/nothing-here`), 404, 'not_found_error');
    expect(message).toContain('GET /v1/nothing-here');

    await expect(client.models.list()).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('answers a body over 32 MiB with 413 request_too_large and keeps serving', async () => {
    const huge = JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY_BYTES) }] });
    await expectError(await post('/v1/messages', huge), 413, 'request_too_large');

    const after = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(after.type).toBe('message');
  });

  it('turns a throwing reply function into a 500 the SDK does not retry', async () => {
    const retrying = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 2 });
    sim.setScript([
      {
        reply: () => {
          throw new Error('script exploded');
        },
      },
    ]);
    const failure = await retrying.messages
      .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
    if (!(failure instanceof Anthropic.APIError)) return;
    expect(failure.apiMessage).toContain('script exploded');
    expect(sim.requests).toHaveLength(1);
  });

  it('validates count_tokens bodies too', async () => {
    const message = await expectError(
      await post('/v1/messages/count_tokens', JSON.stringify({ model: MODEL })),
      400,
      'invalid_request_error',
    );
    expect(message).toContain('messages');
  });
});
