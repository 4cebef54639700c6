import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';

/** Bodies past this are refused with 413 before they are buffered (MAX_REQUEST_BYTES overrides it). */
export const MAX_BODY_BYTES = DEFAULTS.maxRequestBytes;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/**
 * A refusal before any route ran (401, 403, 413, 429): a JSON-RPC error on `/mcp`, so MCP clients can read it,
 * and the REST error shape everywhere else.
 */
export function sendRefusal(res: ServerResponse, mcp: boolean, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (mcp) sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);
  else sendError(res, status, code, message, headers);
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
