import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomId } from '../domain/ids.js';
import { sendError, sendJson } from './http-io.js';
import { FaultSchedule } from './fault-schedule.js';
import type { Fault } from './faults.js';
import { answerCountTokens, answerMessages, type EndpointContext, type MessagesSettings } from './messages-endpoint.js';
import { PromptCache } from './prompt-cache/prompt-cache.js';
import type { RandomFaults } from './random-faults.js';
import type { RateLimit } from './rate-limit.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import type { ReplyRule } from './script.js';
import type { Latency } from './wait.js';

export type { Fault, FaultSource, RecordedFault, StreamErrorType } from './faults.js';
export type { RandomFaults } from './random-faults.js';
export type { RateLimit } from './rate-limit.js';
export type { RecordedHeaders, RecordedRequest } from './request-log.js';
export type { ReplyBlockSpec, ReplyContext, ReplyFunction, ReplyRule, ReplySpec, TextMatcher } from './script.js';
export type { ParsedRequest } from './wire-types.js';

export interface SimulatorOptions {
  /** Default 0: an ephemeral port, so parallel test files never collide. */
  port?: number;
  /** Default '127.0.0.1': loopback only. */
  host?: string;
  /** Delay before the first byte of each answer, fixed or uniform in [min, max]; default 0. */
  latencyMs?: Latency;
  /** Delay between streamed deltas; default 0. */
  chunkDelayMs?: number;
  /** Rules tried in order before the default, role-aware replies. */
  script?: ReplyRule[];
  /** Refuse requests past this rate with 429 and retry-after, as the API does; default none. */
  rateLimit?: RateLimit;
  /** Random 429/529/500/reset faults on a share of requests (`simulator --fault-rate`); default none. */
  randomFaults?: RandomFaults;
  /** Wall clock in ms for the rate limit and prompt-cache TTLs; default Date.now. Tests move it. */
  now?: () => number;
}

export interface RunningSimulator {
  /** Base URL to pass as the SDK's `baseURL` or as ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:43123 */
  readonly url: string;
  readonly port: number;
  /** Every valid POST /v1/messages since start or the last reset, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Messages requests being answered right now. */
  readonly inFlight: number;
  /** Most messages requests answered at once since start or the last reset. */
  readonly maxInFlight: number;
  setScript(rules: ReplyRule[]): void;
  /** Queues faults for the next messages requests, one per request, in order (before any rule's faults). */
  injectFaults(faults: readonly Fault[]): void;
  /** Queued faults not yet used. */
  readonly pendingFaults: number;
  /** Sets (a fresh, full bucket) or removes the requests-per-second limit. */
  setRateLimit(limit: RateLimit | undefined): void;
  /** Prompt-cache entries alive now. */
  readonly cachedPrefixes: number;
  /** Clears recorded requests, the high-water mark, queued faults and the prompt cache; the script and rate limit stay. */
  reset(): void;
  /** Stops listening, cuts open connections and pending waits, and resolves once all is settled. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const log = new RequestLog();
  let rules: readonly ReplyRule[] = [...(options.script ?? [])];
  const now = options.now ?? Date.now;
  const settings: MessagesSettings = {
    log,
    rules: () => rules,
    latency: options.latencyMs,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    newId: randomId,
    faults: new FaultSchedule(now, options.rateLimit, options.randomFaults),
    cache: new PromptCache(now),
  };
  const reset = (): void => {
    log.reset();
    settings.faults.reset();
    settings.cache.clear();
  };

  const pending = new Set<Promise<void>>();
  const aborters = new Set<AbortController>();
  const server = createServer((req, res) => {
    const aborter = new AbortController();
    aborters.add(aborter);
    // 'close' also fires after a normal finish; aborting then is harmless because the handler is done.
    res.once('close', () => aborter.abort());
    // A socket failure must end this request's work, never surface as an unhandled 'error' event.
    res.on('error', () => aborter.abort());
    const task = dispatch(req, res, aborter.signal, settings, reset).finally(() => {
      aborters.delete(aborter);
      pending.delete(task);
    });
    pending.add(task);
  });

  const port = await listen(server, options.port ?? 0, host);
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get requests() {
      return log.requests;
    },
    get inFlight() {
      return log.inFlight;
    },
    get maxInFlight() {
      return log.maxInFlight;
    },
    setScript(next: ReplyRule[]) {
      rules = [...next];
    },
    injectFaults(faults: readonly Fault[]) {
      settings.faults.inject(faults);
    },
    get pendingFaults() {
      return settings.faults.pending;
    },
    setRateLimit(limit: RateLimit | undefined) {
      settings.faults.setRateLimit(limit);
    },
    get cachedPrefixes() {
      return settings.cache.size;
    },
    reset,
    close() {
      closing ??= shutDown(server, aborters, pending);
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function shutDown(server: Server, aborters: Set<AbortController>, pending: Set<Promise<void>>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const aborter of aborters) aborter.abort();
  server.closeAllConnections();
  await Promise.allSettled([...pending]);
  await closed;
}

/** Routes one request; never rejects, so a bug answers 500 instead of taking the server down. */
async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
  settings: MessagesSettings,
  reset: () => void,
): Promise<void> {
  const requestId = settings.newId('req_sim');
  const ctx: EndpointContext = { req, res, requestId, signal };
  try {
    await route(ctx, settings, reset);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (res.headersSent) res.destroy();
    else sendError(res, 500, 'api_error', `Simulator internal error: ${reason}`, requestId, { 'x-should-retry': 'false' });
  }
}

async function route(ctx: EndpointContext, settings: MessagesSettings, reset: () => void): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  // Claude Code appends `?beta=true`; routing ignores the query string.
  const path = new URL(ctx.req.url ?? '/', 'http://simulator').pathname;
  const target = `${method} ${path}`;
  switch (target) {
    case 'POST /v1/messages':
      return answerMessages(ctx, settings);
    case 'POST /v1/messages/count_tokens':
      return answerCountTokens(ctx);
    case 'GET /_simulator/requests':
      return sendJson(ctx.res, 200, settings.log.snapshot(), { 'request-id': ctx.requestId });
    case 'POST /_simulator/reset':
      reset();
      return sendJson(ctx.res, 200, { reset: true }, { 'request-id': ctx.requestId });
    default:
      ctx.req.resume();
      return sendError(ctx.res, 404, 'not_found_error', `Not found: ${target}`, ctx.requestId);
  }
}
