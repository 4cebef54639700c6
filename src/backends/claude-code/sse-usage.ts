import { z } from 'zod';
import { usageFromApi, type Usage } from '../../domain/usage.js';
import { parseJsonOrUndefined } from '../../text/parse-json.js';

/** What a model call's response reported so far: its usage, and the model that answered when it said. */
export interface SeenUsage {
  readonly usage: Usage;
  readonly model: string | undefined;
  /** The message id and stop reason, when the reply said (for the call's trace span). */
  readonly id?: string | undefined;
  readonly stopReason?: string | undefined;
}

/** Watches a response body go by, chunk by chunk, for the usage the API reports in it. */
export interface UsageReader {
  push(chunk: Uint8Array): void;
  /** The usage seen so far; undefined when the response has not reported any (yet). */
  seen(): SeenUsage | undefined;
}

// The API omits or nulls usage fields on older models and on some events, so every one is optional.
const tokenCount = z.number().int().nonnegative().nullish();
const apiUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
  cache_creation: z.looseObject({ ephemeral_1h_input_tokens: tokenCount }).nullish(),
});
type ApiUsage = z.infer<typeof apiUsageSchema>;

const messageSchema = z.looseObject({ id: z.string().optional(), model: z.string().optional(), stop_reason: z.string().nullish(), usage: apiUsageSchema.optional() });
const messageStartSchema = z.looseObject({ type: z.literal('message_start'), message: messageSchema });
const messageDeltaSchema = z.looseObject({ type: z.literal('message_delta'), delta: z.looseObject({ stop_reason: z.string().nullish() }).nullish(), usage: apiUsageSchema.nullish() });

/** The API's usage fields as last reported: a later report replaces only the fields it carries. */
interface RunningUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation?: { ephemeral_1h_input_tokens?: number };
}

function merged(running: RunningUsage | undefined, report: ApiUsage): RunningUsage {
  const next: RunningUsage = { ...running };
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const value = report[key];
    if (typeof value === 'number') next[key] = value;
  }
  const oneHour = report.cache_creation?.ephemeral_1h_input_tokens;
  if (typeof oneHour === 'number') next.cache_creation = { ephemeral_1h_input_tokens: oneHour };
  return next;
}

/**
 * Usage of a streamed (`text/event-stream`) reply: `message_start` opens it with the prompt's usage and
 * the model, and every `message_delta` updates it (its output_tokens is cumulative, so it replaces).
 * Only those two events are parsed; content deltas pass by as text, so a long stream costs little.
 */
export function sseUsageReader(): UsageReader {
  const decoder = new TextDecoder();
  let partialLine = '';
  let eventName: string | undefined;
  let data: string[] = [];
  let running: RunningUsage | undefined;
  let model: string | undefined;
  let id: string | undefined;
  let stopReason: string | undefined;

  const dispatch = (): void => {
    const wanted = eventName === undefined || eventName === 'message_start' || eventName === 'message_delta';
    const text = data.join('\n');
    eventName = undefined;
    data = [];
    if (!wanted || text === '') return;
    // A malformed frame is undefined: it is the agent's to report, not ours.
    const event = parseJsonOrUndefined(text);
    const start = messageStartSchema.safeParse(event);
    if (start.success) {
      model = start.data.message.model ?? model;
      id = start.data.message.id ?? id;
      if (start.data.message.usage) running = merged(running, start.data.message.usage);
      return;
    }
    const delta = messageDeltaSchema.safeParse(event);
    if (delta.success) stopReason = delta.data.delta?.stop_reason ?? stopReason;
    if (delta.success && delta.data.usage) running = merged(running, delta.data.usage);
  };

  const line = (raw: string): void => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text === '') return dispatch();
    if (text.startsWith('event:')) eventName = text.slice(6).trim();
    else if (text.startsWith('data:')) data.push(text.slice(text.startsWith('data: ') ? 6 : 5));
  };

  return {
    push(chunk) {
      const lines = (partialLine + decoder.decode(chunk, { stream: true })).split('\n');
      partialLine = lines.pop() ?? '';
      for (const raw of lines) line(raw);
    },
    seen() {
      return running === undefined ? undefined : { usage: usageFromApi(running), model, id, stopReason };
    },
  };
}

/**
 * Usage of a JSON reply: the body's `usage` and `model`, read once the body is complete. Bodies past
 * `limitBytes` are not kept (the reply still passes through; its usage then goes unseen).
 */
export function jsonUsageReader(limitBytes: number): UsageReader {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let result: SeenUsage | undefined;
  let parsed = false;
  return {
    push(chunk) {
      size += chunk.byteLength;
      if (size <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
    },
    seen() {
      if (parsed || size > limitBytes) return result;
      parsed = true;
      const message = messageSchema.safeParse(parseJsonOrUndefined(Buffer.concat(chunks).toString('utf8')));
      const m = message.success ? message.data : undefined;
      if (m?.usage) result = { usage: usageFromApi(merged(undefined, m.usage)), model: m.model, id: m.id, stopReason: m.stop_reason ?? undefined };
      return result;
    },
  };
}
