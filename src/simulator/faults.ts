/**
 * Failures the simulator can be told to produce, so retry and rate-limit handling is proven against
 * real HTTP rather than assumed. A fault replaces the answer of one `POST /v1/messages` (or, for
 * the mid-stream kinds, ends a streamed answer early).
 */

/** The `error.type` values the Messages API sends mid-stream in an `event: error`. */
export type StreamErrorType = 'overloaded_error' | 'api_error' | 'rate_limit_error' | 'timeout_error';

export type Fault =
  /** An HTTP error status with the API's error body, and retry-after headers when given. */
  | {
      readonly kind: 'status';
      readonly status: number;
      /** Sent as `retry-after` (whole seconds, as the API sends it). */
      readonly retryAfterSeconds?: number;
      /** Sent as `retry-after-ms` (the SDKs read it first; lets tests use sub-second waits). */
      readonly retryAfterMs?: number;
      readonly message?: string;
      /** More response headers, e.g. `x-should-retry` or the `anthropic-ratelimit-*` family. */
      readonly headers?: Readonly<Record<string, string>>;
    }
  /**
   * The connection is cut. Without `afterDeltas`, before any response (the client sees a reset); with
   * it, a streamed answer stops after that many content deltas and the socket closes mid-body.
   */
  | { readonly kind: 'reset'; readonly afterDeltas?: number }
  /**
   * A streamed answer stops after `afterDeltas` content deltas (default 1) with `event: error`, as the
   * API does when it fails mid-stream. A non-streaming request gets the matching status instead.
   */
  | { readonly kind: 'stream_error'; readonly afterDeltas?: number; readonly errorType?: StreamErrorType; readonly message?: string }
  /**
   * A streamed answer freezes after `afterDeltas` content deltas (default 1): the connection stays open and
   * nothing is sent for `forMs` (default: until the client gives up), then the rest follows. A non-streaming
   * request waits as long before its answer.
   */
  | { readonly kind: 'stall'; readonly afterDeltas?: number; readonly forMs?: number };

/** Where a fault came from, as recorded in the request log. */
export type FaultSource = 'queue' | 'rule' | 'rate_limit' | 'random';

export type RecordedFault = Fault & { readonly source: FaultSource };

/** The API's `error.type` for an HTTP status (https://docs.claude.com/en/api/errors). */
export function errorTypeForStatus(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The status a non-streaming request gets for a mid-stream error type. */
export function statusForStreamError(type: StreamErrorType): number {
  switch (type) {
    case 'overloaded_error':
      return 529;
    case 'rate_limit_error':
      return 429;
    case 'timeout_error':
      return 504;
    case 'api_error':
      return 500;
  }
}

export function defaultFaultMessage(type: string): string {
  switch (type) {
    case 'overloaded_error':
      return 'Overloaded';
    case 'rate_limit_error':
      return 'This request would exceed the rate limit for your organization. Please try again later. (simulated)';
    default:
      return `Simulated ${type}.`;
  }
}
