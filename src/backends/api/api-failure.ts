import Anthropic from '@anthropic-ai/sdk';
import { errorMessage } from '../../domain/errors.js';
import { retryAfterMs } from './retry-after.js';
import { StreamStalledError } from '../../liveness/stall-watchdog.js';

/** What went wrong with one Messages API call, in the terms the retry policy and the limiter decide on. */
export type ApiFailure =
  /** The API answered with an error status. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly errorType: string | null;
      readonly message: string;
      /** The wait the server asked for (retry-after-ms / retry-after), if any. */
      readonly retryAfterMs: number | undefined;
      /** The server's `x-should-retry` header, when it sent one. */
      readonly shouldRetry: boolean | undefined;
    }
  /** The response had started and then carried `event: error` (e.g. overloaded_error mid-reply). */
  | { readonly kind: 'stream_error'; readonly errorType: string; readonly message: string }
  /** No usable connection: refused, reset, timed out, or dropped in the middle of the reply. */
  | { readonly kind: 'connection'; readonly message: string; readonly midStream: boolean }
  /** The stream sent nothing for the stall limit and we aborted it (STALL_TIMEOUT_SECONDS). */
  | { readonly kind: 'stalled'; readonly message: string; readonly silentMs: number }
  /** Anything else (an abort, a bug, a reply the SDK could not read): never retried. */
  | { readonly kind: 'other'; readonly message: string };

/** Socket-level error codes (Node and undici) that mean the connection failed, not the request. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Classifies what the SDK threw. `wallNowMs` reads a retry-after given as an HTTP date. */
export function classifyFailure(error: unknown, wallNowMs: number): ApiFailure {
  if (error instanceof StreamStalledError) return { kind: 'stalled', message: error.message, silentMs: error.silentMs };
  if (error instanceof Anthropic.APIUserAbortError) return { kind: 'other', message: error.message };
  if (error instanceof Anthropic.APIConnectionError) return { kind: 'connection', message: error.message, midStream: false };
  if (error instanceof Anthropic.APIError) {
    const message = error.apiMessage ?? error.message;
    if (error.status === undefined) {
      // The SDK raises an `event: error` as an APIError without a status, carrying the body's error type.
      return { kind: 'stream_error', errorType: error.type ?? 'api_error', message };
    }
    const header = error.headers?.get('x-should-retry');
    return {
      kind: 'status',
      status: error.status,
      errorType: error.type,
      message,
      retryAfterMs: retryAfterMs(error.headers, wallNowMs),
      shouldRetry: header === 'true' ? true : header === 'false' ? false : undefined,
    };
  }
  // A connection dropped while the body streams surfaces as a plain error ("terminated") whose cause is
  // the socket failure.
  if (isConnectionFailure(error)) return { kind: 'connection', message: errorMessage(error), midStream: true };
  return { kind: 'other', message: errorMessage(error) };
}

function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (current instanceof TypeError && current.message === 'terminated') return true;
    current = current.cause;
  }
  return false;
}
