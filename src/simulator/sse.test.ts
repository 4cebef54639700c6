import { describe, expect, it } from 'vitest';
import type { SimulatedMessage } from './simulated-message.js';
import { jsonChunks, messageEvents, sseFrame, textChunks } from './sse.js';

const message: SimulatedMessage = {
  id: 'msg_sim_1',
  model: 'claude-sonnet-5-5',
  content: [
    { type: 'text', text: 'Reading it now.' },
    { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'src/a-rather-long-file-name.ts' } },
  ],
  stopReason: 'tool_use',
  stopSequence: null,
  inputTokens: 12,
  outputTokens: 14,
};

describe('SSE events', () => {
  it('frames an event as event/data lines and a blank line', () => {
    expect(sseFrame({ event: 'ping', data: { type: 'ping' } })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });

  it('splits text into word groups that join back exactly', () => {
    const text = '  leading, then   several words\nand a newline  ';
    const chunks = textChunks(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(textChunks('')).toEqual([]);
    expect(textChunks('   ')).toEqual(['   ']);
  });

  it('splits JSON by code point, never inside a surrogate pair', () => {
    const json = JSON.stringify({ note: '😀😀😀😀😀' });
    const chunks = jsonChunks(json, 3);
    expect(chunks.join('')).toBe(json);
    for (const chunk of chunks) expect(chunk).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it('emits the API sequence for text then tool_use, with input_json_delta pieces that rebuild the input', () => {
    const events = messageEvents(message);
    const names = events.map((event) => event.event);

    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(names.filter((name) => name === 'content_block_start')).toHaveLength(2);
    expect(names.filter((name) => name === 'content_block_stop')).toHaveLength(2);

    const toolDeltas = events.filter(
      (event) => event.event === 'content_block_delta' && event.data['index'] === 1,
    );
    const partials = toolDeltas.map((event) => (event.data['delta'] as { partial_json: string }).partial_json);
    expect(partials[0]).toBe('');
    expect(JSON.parse(partials.join(''))).toEqual({ path: 'src/a-rather-long-file-name.ts' });
    const toolStart = events.find((event) => event.event === 'content_block_start' && event.data['index'] === 1);
    expect(toolStart?.data['content_block']).toEqual({
      type: 'tool_use',
      id: 'toolu_1',
      name: 'read_file',
      input: {},
      caller: { type: 'direct' },
    });
  });

  it('still pings when the message has no content', () => {
    const names = messageEvents({ ...message, content: [] }).map((event) => event.event);
    expect(names).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });
});
