import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Messages API's own request size limit: a bigger body would be refused upstream anyway. */
export const MAX_PROXIED_BODY_BYTES = 32 * 1024 * 1024;

export type ReadBody = { readonly kind: 'ok'; readonly body: Buffer } | { readonly kind: 'too_large' } | { readonly kind: 'failed' };

/** The agent's request body, kept only up to `limit` bytes so no agent can exhaust our memory. */
export async function readBody(req: IncomingMessage, limit = MAX_PROXIED_BODY_BYTES): Promise<ReadBody> {
  if (Number(req.headers['content-length'] ?? '0') > limit) {
    req.resume();
    return { kind: 'too_large' };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        return { kind: 'too_large' };
      }
      chunks.push(chunk);
    }
  } catch {
    // The agent hung up mid-upload: there is nobody left to answer.
    return { kind: 'failed' };
  }
  return { kind: 'ok', body: Buffer.concat(chunks) };
}

/**
 * An error in the Messages API's shape, so the agent's SDK classifies it as it would the API's own.
 * A refusal says `x-should-retry: false`: the proxy's refusals don't change on retry.
 */
export function sendApiError(res: ServerResponse, status: number, type: string, message: string, retryable = false): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify({ type: 'error', error: { type, message } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    ...(retryable ? {} : { 'x-should-retry': 'false' }),
  });
  res.end(payload);
}
