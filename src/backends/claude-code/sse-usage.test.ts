import { describe, expect, it } from 'vitest';
import { jsonUsageReader, sseUsageReader } from './sse-usage.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('reading a model call’s usage as its reply goes by', () => {
  it('streamed: message_start opens it, message_delta updates only what it carries; frames split anywhere, CRLF, data: without a space', () => {
    const reader = sseUsageReader();
    expect(reader.seen()).toBeUndefined();
    const stream =
      'event: message_start\r\n' +
      `data: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 40, cache_creation: { ephemeral_1h_input_tokens: 7 } } } })}\r\n\r\n` +
      'event: content_block_delta\n' +
      `data: ${JSON.stringify({ type: 'content_block_delta', delta: { text: 'hello' } })}\n\n` +
      'event: ping\ndata: {}\n\n' +
      // An unnamed event is read too; a malformed one is not ours to report.
      'data: {not json\n\n' +
      'event: message_delta\n' +
      `data:${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 55, input_tokens: null } })}\n\n` +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    // Byte by byte, so every frame and line is split.
    for (const b of bytes(stream)) reader.push(new Uint8Array([b]));
    expect(reader.seen()).toMatchObject({
      model: 'claude-x',
      id: 'msg_1',
      stopReason: 'end_turn',
      usage: { inputTokens: 100, outputTokens: 55, cacheReadInputTokens: 40, cacheCreationInputTokens: 0, cacheCreation1hInputTokens: 7 },
    });
  });

  it('streamed: a delta without usage or a stop reason keeps what was seen; an empty frame is nothing', () => {
    const reader = sseUsageReader();
    reader.push(bytes(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: {} })}\n\n`));
    expect(reader.seen()).toBeUndefined();
    reader.push(bytes(`event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', usage: { output_tokens: 3 } })}\n\n`));
    reader.push(bytes(`event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: null })}\n\nevent: message_delta\n\n`));
    expect(reader.seen()).toMatchObject({ model: undefined, stopReason: undefined, usage: { inputTokens: 0, outputTokens: 3 } });
  });

  it('JSON: reads the complete body once; a body past the limit, or with no usage, has none', () => {
    const body = JSON.stringify({ id: 'msg_2', model: 'claude-y', stop_reason: null, usage: { input_tokens: 9, output_tokens: 4 } });
    const reader = jsonUsageReader(10_000);
    reader.push(bytes(body.slice(0, 10)));
    reader.push(bytes(body.slice(10)));
    const seen = reader.seen();
    expect(seen).toMatchObject({ model: 'claude-y', id: 'msg_2', stopReason: undefined, usage: { inputTokens: 9, outputTokens: 4 } });
    expect(reader.seen()).toBe(seen);

    const big = jsonUsageReader(8);
    big.push(bytes(body));
    expect(big.seen()).toBeUndefined();
    const none = jsonUsageReader(10_000);
    none.push(bytes('{"type":"error"}'));
    expect(none.seen()).toBeUndefined();
  });
});
