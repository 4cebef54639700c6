import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { IdGenerator } from '../domain/ids.js';
import { versionProblem } from './api-version.js';
import { buildMessage } from './build-reply.js';
import { partialEvents, planFault, sendStatusFault, type FaultPlan } from './fault-response.js';
import type { FaultSchedule } from './fault-schedule.js';
import { MAX_BODY_BYTES, readBody, sendError, sendJson } from './http-io.js';
import type { CacheUsage, PromptCache } from './prompt-cache/prompt-cache.js';
import { promptUnits } from './prompt-cache/prompt-units.js';
import type { RequestLog } from './request-log.js';
import { findRule, type ReplyRule, type ReplySpec } from './script.js';
import { simulatedReply } from './simulated-reply.js';
import type { SimulatedMessage } from './simulated-message.js';
import { messageEvents } from './sse.js';
import { silence, writeEventStream } from './stream-response.js';
import { countInputTokens } from './token-count.js';
import { validate, type Validation } from './validate.js';
import { delay, pickLatency, type Latency } from './wait.js';
import { messageJson } from './wire-message.js';
import { countTokensRequestSchema, messagesRequestSchema, type ParsedRequest } from './wire-types.js';
import { rejectOnAbort } from '../async/reject-on-abort.js';

export interface EndpointContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Aborts when the client disconnects or the simulator closes. */
  readonly signal: AbortSignal;
}

export interface MessagesSettings {
  readonly log: RequestLog;
  readonly rules: () => readonly ReplyRule[];
  readonly latency: Latency | undefined;
  readonly chunkDelayMs: number;
  readonly newId: IdGenerator;
  readonly faults: FaultSchedule;
  readonly cache: PromptCache;
}

/**
 * `POST /v1/messages`: validate, record, then either answer with a fault (injected, scripted or the
 * rate limit) or pick a reply, account the prompt cache, wait the latency, and answer as JSON or SSE.
 */
export async function answerMessages(ctx: EndpointContext, settings: MessagesSettings): Promise<void> {
  const body = await readValidBody(ctx, messagesRequestSchema);
  if (body === undefined) return;
  const problem = versionProblem(headerValue(ctx.req, 'anthropic-version'), body);
  if (problem !== undefined) {
    sendError(ctx.res, 400, 'invalid_request_error', problem, ctx.requestId);
    return;
  }
  const units = promptUnits(body);
  if (!units.ok) {
    sendError(ctx.res, 400, 'invalid_request_error', units.message, ctx.requestId);
    return;
  }
  const rule = findRule(settings.rules(), body);
  const fault = settings.faults.next(rule);
  const recorded = settings.log.record(ctx.req, body, fault);
  const done = settings.log.begin();
  try {
    const plan = fault ? planFault(fault, body.stream === true) : undefined;
    if (plan?.kind === 'respond') return sendStatusFault(ctx.res, plan.fault, ctx.requestId);
    if (plan?.kind === 'reset') {
      ctx.req.socket.destroy();
      return;
    }
    // A stalled non-streaming request waits before its answer (a stream freezes mid-way, in `answer`).
    if (plan?.kind === 'stall' && body.stream !== true && !(await silence(plan.forMs, ctx.signal))) return;
    const spec = await replySpec(ctx, rule, body, recorded.seq);
    if (spec === undefined) return;
    const cache = settings.cache.plan(body.model, units.value);
    const message = withCacheUsage(buildMessage(body, spec, settings.newId), cache.usage);
    const latency = rule?.latencyMs ?? pickLatency(settings.latency);
    if (!(await delay(latency, ctx.signal))) return;
    // A request that fails mid-stream caches nothing, as with the API (a stalled one was read, so it does).
    if (plan === undefined || plan.kind === 'stall') cache.commit();
    await answer(ctx, settings, body.stream === true, message, plan);
  } finally {
    done();
  }
}

async function answer(
  ctx: EndpointContext,
  settings: MessagesSettings,
  stream: boolean,
  message: SimulatedMessage,
  plan: Extract<FaultPlan, { kind: 'partial_stream' | 'stall' }> | undefined,
): Promise<void> {
  if (!stream) return sendJson(ctx.res, 200, messageJson(message), { 'request-id': ctx.requestId });
  const events = messageEvents(message);
  const partial = plan?.kind === 'partial_stream' ? plan : undefined;
  await writeEventStream(ctx.res, partial ? partialEvents(events, partial) : events, {
    requestId: ctx.requestId,
    chunkDelayMs: settings.chunkDelayMs,
    signal: ctx.signal,
    ending: partial?.then.kind === 'cut' ? 'cut' : 'complete',
    ...(plan?.kind === 'stall' ? { stall: { afterDeltas: plan.afterDeltas, forMs: plan.forMs } } : {}),
  });
}

/** The message with its input split into uncached, cache-written and cache-read tokens. */
function withCacheUsage(message: SimulatedMessage, usage: CacheUsage): SimulatedMessage {
  return {
    ...message,
    inputTokens: usage.inputTokens,
    cache: { creation5m: usage.cacheCreation5mInputTokens, creation1h: usage.cacheCreation1hInputTokens, read: usage.cacheReadInputTokens },
  };
}

/**
 * `POST /v1/messages/count_tokens`: the whole prompt's count, which `/v1/messages` splits into
 * `input_tokens` and the cache fields.
 */
export async function answerCountTokens(ctx: EndpointContext): Promise<void> {
  const body = await readValidBody(ctx, countTokensRequestSchema);
  if (body === undefined) return;
  sendJson(ctx.res, 200, { input_tokens: countInputTokens(body) }, { 'request-id': ctx.requestId });
}

/** The validated body, or undefined once an error response has been sent (or the client left). */
async function readValidBody<T>(ctx: EndpointContext, schema: z.ZodType<T>): Promise<T | undefined> {
  const read = await readBody(ctx.req, MAX_BODY_BYTES);
  if (read.kind === 'failed') return undefined;
  if (read.kind === 'too_large') {
    const message = `Request exceeds the maximum allowed number of bytes (${MAX_BODY_BYTES}).`;
    sendError(ctx.res, 413, 'request_too_large', message, ctx.requestId);
    return undefined;
  }
  const parsed = parseJson(read.text);
  const checked: Validation<T> = parsed.ok ? validate(schema, parsed.value) : parsed;
  if (!checked.ok) {
    sendError(ctx.res, 400, 'invalid_request_error', checked.message, ctx.requestId);
    return undefined;
  }
  return checked.value;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): Validation<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `The request body is not valid JSON: ${reason}` };
  }
}

/**
 * The rule's reply (or the simulator's own, see `simulatedReply`). A reply function may hang on purpose in a test, so its
 * wait ends when the client or the simulator goes away; a throwing function becomes a 500 that
 * names the failure, since a broken test script must be easy to spot.
 */
async function replySpec(
  ctx: EndpointContext,
  rule: ReplyRule | undefined,
  body: ParsedRequest,
  requestIndex: number,
): Promise<ReplySpec | undefined> {
  if (rule === undefined) return simulatedReply(body);
  if (typeof rule.reply !== 'function') return rule.reply;
  try {
    return await untilAborted(Promise.resolve(rule.reply(body, { requestIndex })), ctx.signal);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // x-should-retry: the SDK would otherwise retry the 500 and call the broken function again.
    sendError(ctx.res, 500, 'api_error', `Simulator reply function failed: ${reason}`, ctx.requestId, {
      'x-should-retry': 'false',
    });
    return undefined;
  }
}

/** `promise`'s value, or undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  const aborted = new Error('aborted');
  return rejectOnAbort<T | undefined>(promise, signal, () => aborted).catch((error: unknown) => {
    if (error === aborted) return undefined;
    throw error;
  });
}
