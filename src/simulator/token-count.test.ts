import { describe, expect, it } from 'vitest';
import { countInputTokens, countOutputTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS } from './token-count.js';

describe('token counting', () => {
  it('charges ceil(length / 4) per piece of text', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('a')).toBe(1);
    expect(countTextTokens('abcd')).toBe(1);
    expect(countTextTokens('abcde')).toBe(2);
  });

  it('counts the system prompt, each message with its overhead, and tool definitions', () => {
    const tool = { name: 'read_file', input_schema: { type: 'object' } };
    const tokens = countInputTokens({
      system: [
        { type: 'text', text: 'abcdefgh' }, // 2
        { type: 'text', text: 'abc' }, // 1
      ],
      messages: [
        { role: 'user', content: 'abcdefghi' }, // 3
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'ab' }, // 1
            { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a' } }, // 3 for the name + 3 for {"path":"a"}
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'abcdefgh' }] }], // 2
        },
      ],
      tools: [tool], // 53 chars of JSON -> 14
    });

    expect(countTextTokens(JSON.stringify(tool))).toBe(14);
    expect(tokens).toBe(3 + 3 + (1 + 3 + 3) + 2 + 3 * MESSAGE_OVERHEAD_TOKENS + 14);
  });

  it('counts other block types by their JSON', () => {
    const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } };
    expect(countInputTokens({ messages: [{ role: 'user', content: [image] }] })).toBe(
      MESSAGE_OVERHEAD_TOKENS + countTextTokens(JSON.stringify(image)),
    );
  });

  it('counts reply text and tool calls; an empty reply costs nothing', () => {
    expect(countOutputTokens([])).toBe(0);
    expect(
      countOutputTokens([
        { type: 'text', text: 'abcdefgh' }, // 2
        { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { cmd: 'ls' } }, // 1 + ceil(12 / 4)
      ]),
    ).toBe(2 + 1 + 3);
  });
});
