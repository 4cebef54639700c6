import { Transform, type TransformCallback } from 'node:stream';
import { parseJSONRPCMessage, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** A JSON-RPC error answer to a line that was not a message we can serve. */
export interface LineRefusal {
  readonly jsonrpc: '2.0';
  readonly id: string | number | null;
  readonly error: { readonly code: number; readonly message: string };
}

export type LineVerdict = { readonly kind: 'message' } | { readonly kind: 'blank' } | { readonly kind: 'refused'; readonly replies: readonly LineRefusal[] };

/**
 * No protocol version we serve processes JSON-RPC batches: MCP 2025-06-18 removed them, and the SDK never
 * read them under the versions that allowed them (2025-03-26). Each request in a batch is answered on its own.
 */
const BATCH_MESSAGE = 'Invalid Request: JSON-RPC batches are not supported; send each message as a JSON object on its own line.';

function refusal(id: string | number | null, code: number, message: string): LineRefusal {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The id to answer with: a request's, when it is a valid id. A malformed response (no `method`) is not
 * answered by its id, which names one of the client's own requests.
 */
function answerableId(value: unknown): string | number | null {
  if (!isObject(value) || !('method' in value)) return null;
  const id = value['id'];
  return isRequestId(id) ? id : null;
}

function isRequestId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
}

/** Why a parsed value is not a JSON-RPC message, in words a client author can act on. */
function whyInvalid(value: unknown): string {
  if (!isObject(value)) return `a message must be a JSON object, got ${value === null ? 'null' : typeof value}`;
  if (value['jsonrpc'] !== '2.0') return 'the "jsonrpc" member must be "2.0"';
  if ('method' in value && typeof value['method'] !== 'string') return 'the "method" member must be a string';
  if ('id' in value && !isRequestId(value['id'])) return 'the "id" member must be a string or an integer';
  if ('params' in value && !isObject(value['params'])) return 'the "params" member must be an object';
  return 'it is not a request, notification or response of JSON-RPC 2.0';
}

/** Classifies one line of stdin: a message to serve, a blank line to skip, or what to answer instead. */
export function checkLine(line: string): LineVerdict {
  if (line.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    return { kind: 'refused', replies: [refusal(null, ProtocolErrorCode.ParseError, `Parse error: ${(error as Error).message}`)] };
  }
  if (Array.isArray(value)) {
    const ids = value.map(answerableId).filter((id) => id !== null);
    const replies = ids.length > 0 ? ids.map((id) => refusal(id, ProtocolErrorCode.InvalidRequest, BATCH_MESSAGE)) : [refusal(null, ProtocolErrorCode.InvalidRequest, BATCH_MESSAGE)];
    return { kind: 'refused', replies };
  }
  try {
    // The SDK's own schema: a line let through here is one its transport accepts.
    parseJSONRPCMessage(value);
    return { kind: 'message' };
  } catch {
    // The schema's report is long and internal; whyInvalid says the same in a sentence.
    return { kind: 'refused', replies: [refusal(answerableId(value), ProtocolErrorCode.InvalidRequest, `Invalid Request: ${whyInvalid(value)}.`)] };
  }
}

export interface LineGuardOptions {
  /** A line longer than this is dropped as it arrives (never buffered whole) and refused. */
  readonly maxLineBytes: number;
  /** Called for every refused line, with the answers to write to the client. */
  readonly onRefused: (replies: readonly LineRefusal[], verdict: 'parse_error' | 'invalid_request' | 'too_large') => void;
}

const NEWLINE = 0x0a;

/**
 * Sits between stdin and the SDK's stdio transport: passes each line that is a JSON-RPC message, skips blank
 * lines, and reports every other line (bad JSON, a batch, not JSON-RPC, too large) so it can be answered —
 * the SDK's transport drops them silently, and a client waiting on that id would wait forever.
 */
export class StdioLineGuard extends Transform {
  readonly #options: LineGuardOptions;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside a line already over the limit: its bytes are dropped until its newline. */
  #dropping = false;

  constructor(options: LineGuardOptions) {
    super();
    this.#options = options;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      this.#collect(piece);
      if (end === -1) break;
      this.#endLine();
      start = end + 1;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A last line without its newline (the client closed stdin right after it).
    if (this.#pendingBytes > 0 || this.#dropping) this.#endLine();
    callback();
  }

  #collect(piece: Buffer): void {
    if (this.#dropping || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > this.#options.maxLineBytes) {
      this.#dropping = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
  }

  #endLine(): void {
    if (this.#dropping) {
      this.#dropping = false;
      const message = `Invalid Request: a message is at most ${this.#options.maxLineBytes} bytes; this one was dropped unread.`;
      this.#options.onRefused([refusal(null, ProtocolErrorCode.InvalidRequest, message)], 'too_large');
      return;
    }
    const line = Buffer.concat(this.#pending).toString('utf8').replace(/\r$/, '');
    this.#pending = [];
    this.#pendingBytes = 0;
    const verdict = checkLine(line);
    if (verdict.kind === 'message') this.push(`${line}\n`);
    else if (verdict.kind === 'refused') this.#options.onRefused(verdict.replies, verdict.replies[0]?.error.code === ProtocolErrorCode.ParseError ? 'parse_error' : 'invalid_request');
  }
}
