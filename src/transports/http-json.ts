import type { IncomingMessage, ServerResponse } from 'node:http';
import { OrchestratorError } from '../domain/errors.js';

/** Bodies past this are refused with 413 before they are buffered (matches the MCP SDK's own bound). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Reads and parses a JSON body, refusing oversize bodies (413) and bad JSON (400) with clear messages. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new HttpError(413, 'payload_too_large', `Request body is over the ${limit}-byte limit.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'payload_too_large', `Request body is over the ${limit}-byte limit.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'invalid_input', 'Request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'invalid_input', `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** An HTTP-level failure (not a tool failure): carries its own status. */
export class HttpError extends OrchestratorError {
  readonly status: number;
  readonly httpCode: string;
  constructor(status: number, code: string, message: string) {
    super('invalid_input', message);
    this.status = status;
    this.httpCode = code;
  }
}
