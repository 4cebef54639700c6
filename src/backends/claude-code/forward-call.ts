import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../observability/logger.js';
import { sendApiError } from './proxy-http.js';
import type { UsageReader } from './sse-usage.js';
import { replyHeaders } from './upstream-headers.js';
import { abortOnStall, type StallWatchdog, type StreamStalledError } from '../../liveness/stall-watchdog.js';

/** One request as it goes upstream. */
export interface UpstreamCall {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | Buffer | undefined;
  /** Aborts when the agent hangs up, its turn is cancelled or the proxy closes. */
  readonly signal: AbortSignal;
}

/** A reply from upstream that sends nothing for `stallMs` (no header, no byte) is cut, and `onStall` told. */
export interface StallWatch {
  readonly stallMs: number;
  readonly onStall: (silentMs: number) => void;
}

/** Chooses a reader for a reply's usage from its status and content type; undefined reads none. */
export type UsageTap = (status: number, contentType: string) => UsageReader | undefined;

/** How a forwarded call ended, for the log. */
export type ForwardOutcome =
  /** The whole reply reached the agent. */
  | { readonly kind: 'completed'; readonly status: number }
  /** The reply started but stopped early: upstream cut it, the agent hung up, or our signal aborted. */
  | { readonly kind: 'cut'; readonly status: number; readonly reason: string }
  /** Upstream went silent past the stall limit: the call was aborted (the agent's client retries it). */
  | { readonly kind: 'stalled'; readonly status: number | null; readonly reason: string }
  /** No reply came from upstream at all. */
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * Sends `call` upstream and streams the reply to the agent as it arrives (never buffered whole, so the
 * agent sees tokens as the API produces them), showing every chunk to the tap's reader on the way.
 * Never rejects: whatever happens, the agent gets a reply, an error or a cut connection.
 */
export async function forwardCall(
  call: UpstreamCall,
  res: ServerResponse,
  fetchFn: typeof fetch,
  tap: UsageTap,
  stall?: StallWatch,
): Promise<ForwardOutcome> {
  // The stall watchdog aborts only this call's upstream request; the agent's connection is answered below.
  const watchdog = stall ? abortOnStall(stall.stallMs, stall.onStall) : undefined;
  const signal = watchdog ? AbortSignal.any([call.signal, watchdog.signal]) : call.signal;
  try {
    return await forward({ ...call, signal }, res, fetchFn, tap, watchdog, () => (call.signal.aborted ? undefined : watchdog?.stalled));
  } finally {
    watchdog?.stop();
  }
}

async function forward(
  call: UpstreamCall,
  res: ServerResponse,
  fetchFn: typeof fetch,
  tap: UsageTap,
  watchdog: StallWatchdog | undefined,
  stalled: () => StreamStalledError | undefined,
): Promise<ForwardOutcome> {
  let response: Response;
  try {
    // redirect 'manual': a redirect must not carry the real credential somewhere else.
    const withBody = call.body !== undefined && call.method !== 'GET' && call.method !== 'HEAD';
    const init: RequestInit = { method: call.method, headers: call.headers, signal: call.signal, redirect: 'manual', ...(withBody ? { body: call.body } : {}) };
    response = await fetchFn(call.url, init);
  } catch (error) {
    const reason = describe(error);
    const silence = stalled();
    if (silence) {
      // Nothing reached the agent yet: an overloaded answer its client retries, as the API's own would be.
      sendApiError(res, 529, 'overloaded_error', `claude-orchestrator cut a model call that got no answer: ${silence.message}`, true);
      return { kind: 'stalled', status: null, reason: silence.message };
    }
    if (call.signal.aborted) res.destroy();
    // 502 without x-should-retry: the agent's SDK retries it as it would a failing API.
    else sendApiError(res, 502, 'api_error', `claude-orchestrator could not reach the model API: ${reason}`, true);
    return { kind: 'unreachable', reason };
  }
  watchdog?.touch();
  const reader = tap(response.status, response.headers.get('content-type') ?? '');
  if (!res.destroyed) {
    res.writeHead(response.status, replyHeaders(response));
    // Headers go out now, so the agent's SDK sees the stream open before the first event.
    res.flushHeaders();
  }
  try {
    if (response.body !== null) {
      for await (const chunk of response.body) {
        watchdog?.touch();
        reader?.push(chunk);
        if (!res.write(chunk)) await once(res, 'drain', { signal: call.signal });
      }
    }
    res.end();
    return { kind: 'completed', status: response.status };
  } catch (error) {
    // Cut the agent's connection too: a cleanly ended body would pass a truncated reply off as whole.
    res.destroy();
    const silence = stalled();
    if (silence) return { kind: 'stalled', status: response.status, reason: silence.message };
    return { kind: 'cut', status: response.status, reason: describe(error) };
  }
}

/** Logs how a call ended; reasons are error messages, never headers or bodies. */
export function logOutcome(logger: Logger, path: string, outcome: ForwardOutcome): void {
  if (outcome.kind === 'completed') logger.debug({ path, status: outcome.status }, 'model proxy: call forwarded');
  else logger.info({ path, ...outcome }, 'model proxy: call ended early');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the socket-level reason (ECONNREFUSED, ...) in `cause`.
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
