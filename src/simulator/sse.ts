import type { OutputBlock, SimulatedMessage } from './simulated-message.js';
import { messageDeltaJson, openedBlockJson, startedMessageJson } from './wire-message.js';

export interface SseEvent {
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const WORDS_PER_TEXT_DELTA = 3;
const CHARS_PER_JSON_DELTA = 24;

/** One server-sent event frame, as the API writes it. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * The full event sequence for a streamed message, in the real API's order: message_start, then per
 * block content_block_start / deltas / content_block_stop (the single `ping` follows the first
 * content_block_start, as recorded from the API), then message_delta and message_stop.
 */
export function messageEvents(message: SimulatedMessage): SseEvent[] {
  const events: SseEvent[] = [{ event: 'message_start', data: { type: 'message_start', message: startedMessageJson(message) } }];
  const ping: SseEvent = { event: 'ping', data: { type: 'ping' } };
  if (message.content.length === 0) events.push(ping);
  message.content.forEach((block, index) => {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: openedBlockJson(block) } });
    if (index === 0) events.push(ping);
    for (const delta of blockDeltas(block)) {
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({ event: 'message_delta', data: messageDeltaJson(message) });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

function blockDeltas(block: OutputBlock): Record<string, unknown>[] {
  if (block.type === 'text') return textChunks(block.text).map((text) => ({ type: 'text_delta', text }));
  // The API opens a tool call's input with an empty partial_json before the real pieces.
  const pieces = ['', ...jsonChunks(JSON.stringify(block.input))];
  return pieces.map((partial_json) => ({ type: 'input_json_delta', partial_json }));
}

/** Splits text into deltas of a few words each; joined, they give back the text exactly. */
export function textChunks(text: string, wordsPerChunk = WORDS_PER_TEXT_DELTA): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? (text.length > 0 ? [text] : []);
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  return chunks;
}

/** Splits serialized JSON into fixed-size pieces by code point, so no surrogate pair is split. */
export function jsonChunks(json: string, size = CHARS_PER_JSON_DELTA): string[] {
  const chars = Array.from(json);
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}
