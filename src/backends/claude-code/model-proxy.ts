import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, OrchestratorError } from '../../domain/errors.js';
import { chatFinished, startChatSpan } from '../../observability/genai-spans.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import { markFailed, markFailedAs, type Context, type Span } from '../../observability/tracing.js';
import type { CallBudget, CallHold } from '../call-budget.js';
import { cappedBody, parseMessagesBody, promptTokensOf } from './capped-request.js';
import { forwardCall, logOutcome, type ForwardOutcome, type UpstreamCall } from './forward-call.js';
import { MAX_PROXIED_BODY_BYTES, readBody, sendApiError } from './proxy-http.js';
import { proxyTarget } from './proxy-target.js';
import { jsonUsageReader, sseUsageReader, type SeenUsage, type UsageReader } from './sse-usage.js';
import { agentToken, upstreamHeaders, type ProxyUpstream } from './upstream-headers.js';

export type { ProxyUpstream } from './upstream-headers.js';

/** Where one agent's model calls are charged, and who hears about them. */
export interface AgentRoute {
  /** The budget of the instance's current turn (or of the instance between turns). */
  readonly budget: CallBudget;
  /** Aborts calls of a cancelled turn; undefined when nothing should abort them. */
  signal(): AbortSignal | undefined;
  /** A call was refused because a budget is spent (the session ends the turn with stop reason budget_exhausted). */
  onRefused(error: OrchestratorError): void;
  /** The trace context of the agent's running turn: its calls' spans are children of that turn's span. */
  traceContext?(): Context | undefined;
  /** A model call's upstream went silent past the stall limit and was cut (the agent's client retries it). */
  onStalled?(silentMs: number): void;
  /** The API answered a model call 429 or 529: the agent's client waits and retries. */
  onRateLimited?(): void;
}

export interface ModelProxyOptions {
  readonly upstream: ProxyUpstream;
  readonly logger?: Logger;
  /** Default 127.0.0.1: the proxy spends the real credential for whoever holds a token, so loopback only. */
  readonly host?: string;
  /** A monotonic clock in ms, for call durations; default performance.now. */
  readonly now?: () => number;
  /** The fetch that reaches upstream; default the global one (undici). */
  readonly fetch?: typeof fetch;
  /** A model call whose upstream sends nothing this long is cut (STALL_TIMEOUT_SECONDS); default none. */
  readonly stallMs?: number;
}

const TOKEN_PREFIX = 'orch-agent-';

/**
 * A local endpoint that Claude Code agents use as their ANTHROPIC_BASE_URL. Each agent authenticates with
 * its own capability token (the real credential never enters its environment), and every model call it
 * makes is held against its route's budget, capped to what the hold grants, forwarded, and settled to the
 * usage the API reports, or released when there is none. Exactly one of settle or release per hold.
 */
export class ModelProxy {
  readonly #server: Server;
  readonly #upstream: ProxyUpstream;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #stallMs: number | undefined;
  readonly #routes = new Map<string, AgentRoute>();
  /** Every request being handled, by the controller that aborts it, so close() can end them all. */
  readonly #inFlight = new Map<AbortController, Promise<void>>();
  #url = '';
  #closing: Promise<void> | undefined;

  private constructor(options: ModelProxyOptions) {
    this.#upstream = { ...options.upstream, baseUrl: options.upstream.baseUrl.replace(/\/+$/, '') };
    this.#logger = options.logger ?? silentLogger();
    this.#now = options.now ?? (() => performance.now());
    this.#fetch = options.fetch ?? fetch;
    this.#stallMs = options.stallMs;
    this.#server = createServer((req, res) => this.#accept(req, res));
  }

  /** Starts listening on an ephemeral port. */
  static async start(options: ModelProxyOptions): Promise<ModelProxy> {
    const proxy = new ModelProxy(options);
    if (!options.upstream.apiKey && !options.upstream.oauthToken) {
      proxy.#logger.warn('model proxy: no upstream credential configured; agents\' model calls will be refused upstream');
    }
    const host = options.host ?? '127.0.0.1';
    const port = await listen(proxy.#server, host);
    proxy.#url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return proxy;
  }

  /** e.g. http://127.0.0.1:41234, for the agent's ANTHROPIC_BASE_URL. */
  get url(): string {
    return this.#url;
  }

  /** Registers an agent; returns its capability token, for its ANTHROPIC_API_KEY. */
  register(route: AgentRoute): string {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('hex')}`;
    this.#routes.set(token, route);
    return token;
  }

  /** The token stops working at once; calls already in flight finish and settle as usual. */
  unregister(token: string): void {
    this.#routes.delete(token);
  }

  /** Stops listening and aborts in-flight calls; resolves once each of their holds is settled or released. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const controller of this.#inFlight.keys()) controller.abort(new OrchestratorError('cancelled', 'The model proxy is closing.'));
    this.#server.closeAllConnections();
    await Promise.allSettled([...this.#inFlight.values()]);
    await closed;
    this.#routes.clear();
  }

  #accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closing !== undefined) {
      res.destroy();
      return;
    }
    const controller = new AbortController();
    // 'close' also fires after a normal finish; aborting then is harmless because the call is over.
    res.once('close', () => controller.abort(new OrchestratorError('cancelled', 'The agent closed the connection.')));
    // A socket failure must end this call's work, never surface as an unhandled 'error' event.
    res.on('error', () => controller.abort(new OrchestratorError('cancelled', 'The agent connection failed.')));
    const task = this.#handle(req, res, controller)
      .catch((error: unknown) => {
        // A bug here must answer this agent, not take the server (and every other agent) down.
        this.#logger.error({ err: errorMessage(error) }, 'model proxy: request failed');
        if (res.headersSent) res.destroy();
        else sendApiError(res, 500, 'api_error', `claude-orchestrator model proxy failed: ${errorMessage(error)}`);
      })
      .finally(() => this.#inFlight.delete(controller));
    this.#inFlight.set(controller, task);
  }

  async #handle(req: IncomingMessage, res: ServerResponse, controller: AbortController): Promise<void> {
    const token = agentToken(req.headers);
    const route = token === undefined ? undefined : this.#routes.get(token);
    if (route === undefined) {
      req.resume();
      return sendApiError(res, 401, 'authentication_error', 'claude-orchestrator does not know this agent token (the agent may have ended).');
    }
    const target = proxyTarget(req.method ?? 'GET', req.url ?? '/');
    if (target.kind === 'refused') {
      req.resume();
      return sendApiError(res, target.status, target.errorType, target.message);
    }
    const unfollow = follow(controller, route.signal());
    try {
      const read = await readBody(req);
      if (read.kind === 'failed') return;
      if (read.kind === 'too_large') {
        return sendApiError(res, 413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${MAX_PROXIED_BODY_BYTES}).`);
      }
      const call = { url: `${this.#upstream.baseUrl}${target.upstreamPath}`, method: req.method ?? 'GET', headers: upstreamHeaders(req.headers, this.#upstream), signal: controller.signal };
      if (target.kind === 'model_call') return await this.#modelCall(res, route, { ...call, body: read.body.toString('utf8') });
      const outcome = await forwardCall({ ...call, body: read.body }, res, this.#fetch, () => undefined);
      logOutcome(this.#logger, target.upstreamPath, outcome);
    } finally {
      unfollow();
    }
  }

  /** Holds, caps, forwards and meters one `POST /v1/messages`; its hold is settled or released exactly once. */
  async #modelCall(res: ServerResponse, route: AgentRoute, call: UpstreamCall & { readonly body: string }): Promise<void> {
    const parsed = parseMessagesBody(call.body);
    if (!parsed.ok) return sendApiError(res, 400, 'invalid_request_error', parsed.message);
    const span = startChatSpan({ model: parsed.body.model ?? 'unknown', maxTokens: parsed.body.max_tokens, via: 'model_proxy' }, route.traceContext?.());
    let hold: CallHold;
    try {
      hold = await route.budget.hold(
        { promptTokens: promptTokensOf(parsed.body), maxTokens: parsed.body.max_tokens, ...(parsed.body.model !== undefined ? { model: parsed.body.model } : {}) },
        call.signal,
      );
    } catch (error) {
      markFailed(span, error);
      span.end();
      return this.#refuse(res, route, error);
    }
    span.setAttribute('gen_ai.request.max_tokens', hold.maxTokens);
    const started = this.#now();
    let reader: UsageReader | undefined;
    try {
      const body = JSON.stringify(cappedBody(parsed.body, hold.maxTokens));
      // Only a streamed reply is watched: a non-streaming one sends nothing until it is whole, however long it takes.
      const streamed = parsed.body['stream'] === true;
      const stall = this.#stallMs === undefined || !streamed ? undefined : { stallMs: this.#stallMs, onStall: (silentMs: number) => this.#stalled(route, silentMs) };
      const outcome = await forwardCall(
        { ...call, body },
        res,
        this.#fetch,
        (status, contentType) => {
          // Only a successful reply carries usage the API bills; an error status is charged nothing.
          reader = status >= 200 && status < 300 ? usageReaderFor(contentType) : undefined;
          return reader;
        },
        stall,
      );
      logOutcome(this.#logger, '/v1/messages', outcome);
      spanOutcome(span, outcome);
      if (outcome.kind === 'completed' && (outcome.status === 429 || outcome.status === 529)) route.onRateLimited?.();
    } finally {
      const seen = reader?.seen();
      chatFinished(span, { ...(seen ? { id: seen.id, model: seen.model, usage: seen.usage, finishReason: seen.stopReason } : {}) });
      span.end();
      await this.#finish(hold, seen, parsed.body.model, this.#now() - started);
    }
  }

  /** The API bills what it processed, so any usage seen (even of a cut stream) is settled; none releases. */
  async #finish(hold: CallHold, seen: SeenUsage | undefined, requestedModel: string | undefined, durationMs: number): Promise<void> {
    try {
      if (seen === undefined) await hold.release();
      else await hold.settle({ usage: seen.usage, model: seen.model ?? requestedModel ?? 'unknown', durationMs: Math.max(0, Math.round(durationMs)) });
    } catch (error) {
      this.#logger.error({ err: errorMessage(error), settled: seen !== undefined }, 'model proxy: closing a hold failed');
    }
  }

  #stalled(route: AgentRoute, silentMs: number): void {
    this.#logger.warn({ silentMs: Math.round(silentMs) }, 'model proxy: upstream went silent past STALL_TIMEOUT_SECONDS; the call was cut');
    try {
      route.onStalled?.(silentMs);
    } catch (failure) {
      this.#logger.error({ err: errorMessage(failure) }, 'model proxy: onStalled failed');
    }
  }

  /** A 400, which Claude Code does not retry, so a spent budget ends the agent's calls instead of looping. */
  #refuse(res: ServerResponse, route: AgentRoute, error: unknown): void {
    const message = errorMessage(error);
    this.#logger.info({ reason: message }, 'model proxy: call refused');
    sendApiError(res, 400, 'invalid_request_error', `claude-orchestrator refused this model call: ${message}`);
    if (!(error instanceof OrchestratorError) || error.code !== 'limit_exceeded') return;
    try {
      route.onRefused(error);
    } catch (failure) {
      this.#logger.error({ err: errorMessage(failure) }, 'model proxy: onRefused failed');
    }
  }
}

/** An upstream error status, an unreachable API or a cut stream fails the call's span (the agent's SDK may retry it as a new call). */
function spanOutcome(span: Span, outcome: ForwardOutcome): void {
  if (outcome.kind === 'unreachable') markFailedAs(span, 'unreachable', outcome.reason);
  else if (outcome.kind === 'cut') markFailedAs(span, 'cut', outcome.reason);
  else if (outcome.kind === 'stalled') markFailedAs(span, 'stalled', outcome.reason);
  else if (outcome.status >= 400) markFailedAs(span, String(outcome.status), `The API answered ${outcome.status}.`);
  if (outcome.kind !== 'unreachable' && outcome.status !== null) span.setAttribute('http.response.status_code', outcome.status);
}

function usageReaderFor(contentType: string): UsageReader | undefined {
  if (contentType.startsWith('text/event-stream')) return sseUsageReader();
  if (contentType.includes('json')) return jsonUsageReader(MAX_PROXIED_BODY_BYTES);
  return undefined;
}

/** Makes `controller` abort when `signal` does; returns the function that stops following it. */
function follow(controller: AbortController, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => undefined;
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => undefined;
  }
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
