import type { OutputBlock, SimulatedMessage } from './simulated-message.js';

/**
 * The JSON the simulator puts on the wire, field for field as recorded from the real Messages API
 * (including the fields it always sends as null or zero), so strict clients parse it unchanged.
 */

export function messageJson(message: SimulatedMessage): Record<string, unknown> {
  return {
    model: message.model,
    id: message.id,
    type: 'message',
    role: 'assistant',
    content: message.content.map(blockJson),
    stop_reason: message.stopReason,
    stop_sequence: message.stopSequence,
    stop_details: null,
    usage: usageJson(message, message.outputTokens),
  };
}

/** The message as `message_start` announces it: no content yet, no stop reason, 1 output token. */
export function startedMessageJson(message: SimulatedMessage): Record<string, unknown> {
  return {
    model: message.model,
    id: message.id,
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: usageJson(message, 1),
  };
}

/** The `message_delta` event's body: the stop reason and the final, cumulative usage. */
export function messageDeltaJson(message: SimulatedMessage): Record<string, unknown> {
  return {
    type: 'message_delta',
    delta: { stop_reason: message.stopReason, stop_sequence: message.stopSequence, stop_details: null },
    usage: {
      input_tokens: message.inputTokens,
      cache_creation_input_tokens: cacheCreation(message),
      cache_read_input_tokens: message.cache?.read ?? 0,
      output_tokens: message.outputTokens,
    },
  };
}

function cacheCreation(message: SimulatedMessage): number {
  return (message.cache?.creation5m ?? 0) + (message.cache?.creation1h ?? 0);
}

function usageJson(message: SimulatedMessage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: message.inputTokens,
    cache_creation_input_tokens: cacheCreation(message),
    cache_read_input_tokens: message.cache?.read ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: message.cache?.creation5m ?? 0, ephemeral_1h_input_tokens: message.cache?.creation1h ?? 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
    inference_geo: 'not_available',
  };
}

export function blockJson(block: OutputBlock): Record<string, unknown> {
  if (block.type === 'text') return { type: 'text', text: block.text };
  return { type: 'tool_use', id: block.id, name: block.name, input: block.input, caller: { type: 'direct' } };
}

/** A block as `content_block_start` opens it: empty text, or a tool call with empty input. */
export function openedBlockJson(block: OutputBlock): Record<string, unknown> {
  if (block.type === 'text') return { type: 'text', text: '' };
  return { type: 'tool_use', id: block.id, name: block.name, input: {}, caller: { type: 'direct' } };
}

/** The Anthropic error body; `request_id` is echoed in the body as the real API does. */
export function errorJson(type: string, message: string, requestId: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: requestId };
}
