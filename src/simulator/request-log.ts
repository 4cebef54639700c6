import type { IncomingMessage } from 'node:http';
import type { RecordedFault } from './faults.js';
import type { ParsedRequest } from './wire-types.js';

/** The headers worth asserting on. Credentials are never kept: only whether one was sent. */
export interface RecordedHeaders {
  readonly 'anthropic-version'?: string;
  readonly 'anthropic-beta'?: string;
  readonly 'user-agent'?: string;
}

export interface RecordedRequest {
  /** 0-based arrival order since start or the last reset; equals its index in `requests`. */
  readonly seq: number;
  readonly receivedAt: string;
  /** The request target as sent, query string included (Claude Code sends `?beta=true`). */
  readonly path: string;
  readonly stream: boolean;
  readonly body: ParsedRequest;
  /** True when an `x-api-key` or `authorization` header was present; its value is never stored. */
  readonly hasApiKey: boolean;
  readonly headers: RecordedHeaders;
  /** The fault this request got instead of a normal answer, if any (injected, rule or rate limit). */
  readonly fault?: RecordedFault;
}

export interface RequestLogSnapshot {
  readonly requests: readonly RecordedRequest[];
  readonly inFlight: number;
  readonly maxInFlight: number;
}

/** Every valid `POST /v1/messages`, plus how many are being answered now and at most so far. */
export class RequestLog {
  #requests: RecordedRequest[] = [];
  #inFlight = 0;
  #maxInFlight = 0;

  get requests(): readonly RecordedRequest[] {
    return [...this.#requests];
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  record(req: IncomingMessage, body: ParsedRequest, fault?: RecordedFault): RecordedRequest {
    const recorded: RecordedRequest = {
      seq: this.#requests.length,
      receivedAt: new Date().toISOString(),
      path: req.url ?? '',
      stream: body.stream === true,
      body,
      hasApiKey: hasHeader(req, 'x-api-key') || hasHeader(req, 'authorization'),
      headers: recordedHeaders(req),
      ...(fault ? { fault } : {}),
    };
    this.#requests.push(recorded);
    return recorded;
  }

  /** Counts one request as being answered; call the returned function (once) when it is done. */
  begin(): () => void {
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight -= 1;
    };
  }

  /**
   * Forgets recorded requests and restarts the high-water mark. Requests still being answered stay
   * counted, so `inFlight` never goes negative and `maxInFlight` stays true.
   */
  reset(): void {
    this.#requests = [];
    this.#maxInFlight = this.#inFlight;
  }

  snapshot(): RequestLogSnapshot {
    return { requests: this.requests, inFlight: this.#inFlight, maxInFlight: this.#maxInFlight };
  }
}

function hasHeader(req: IncomingMessage, name: string): boolean {
  const value = req.headers[name];
  return typeof value === 'string' ? value.length > 0 : Array.isArray(value) && value.length > 0;
}

function recordedHeaders(req: IncomingMessage): RecordedHeaders {
  const headers: { -readonly [K in keyof RecordedHeaders]: string } = {};
  for (const name of ['anthropic-version', 'anthropic-beta', 'user-agent'] as const) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
