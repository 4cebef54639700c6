import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorJson } from './wire-message.js';

/** The real API's request size limit for the Messages endpoint. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type BodyResult = { kind: 'ok'; text: string } | { kind: 'too_large' } | { kind: 'failed' };

/**
 * Reads a request body of at most `limit` bytes. Past the limit it stops keeping data (so a huge
 * upload cannot exhaust memory) and lets the rest drain, so the client can still read the 413;
 * closing the connection instead races the client's upload and surfaces as EPIPE on its side.
 */
export function readBody(req: IncomingMessage, limit: number = MAX_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      chunks.length = 0;
      resolve({ kind: 'too_large' });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => resolve({ kind: 'failed' }));
    req.once('close', () => resolve({ kind: 'failed' }));
  });
}

/** Writes a JSON response, unless the client is gone or a response already started. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  requestId: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, errorJson(type, message, requestId), { ...extraHeaders, 'request-id': requestId });
}
