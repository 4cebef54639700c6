import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { systemParam, withConversationBreakpoint, type PromptCaching } from './prompt-cache.js';

const ON: PromptCaching = { enabled: true, ttl: '5m' };
const OFF: PromptCaching = { enabled: false, ttl: '5m' };
const MARK = { type: 'ephemeral' };

describe('cache breakpoints', () => {
  it('mark the system prompt as one cached text block, with the TTL when it is not the default', () => {
    expect(systemParam('Be terse.', ON)).toEqual([{ type: 'text', text: 'Be terse.', cache_control: MARK }]);
    expect(systemParam('Be terse.', { enabled: true, ttl: '1h' })).toEqual([{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    expect(systemParam('Be terse.', OFF)).toBe('Be terse.');
    expect(systemParam('', ON)).toBe('');
  });

  it('mark the last message, leaving the conversation they were given untouched', () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ];
    const before = JSON.stringify(messages);
    const marked = withConversationBreakpoint(messages, ON);
    expect(marked.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'three', cache_control: MARK }] });
    expect(marked.slice(0, 2)).toEqual(messages.slice(0, 2));
    expect(JSON.stringify(messages)).toBe(before);
    expect(withConversationBreakpoint(messages, OFF)).toEqual(messages);
  });

  it('mark the last block that may carry a breakpoint (tool results yes, thinking and empty text no)', () => {
    const results: Anthropic.MessageParam = {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: 'x' },
        { type: 'tool_result', tool_use_id: 'b', content: 'y' },
        { type: 'text', text: '' },
      ],
    };
    expect(withConversationBreakpoint([results], ON)[0]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'a', content: 'x' },
      { type: 'tool_result', tool_use_id: 'b', content: 'y', cache_control: MARK },
      { type: 'text', text: '' },
    ]);
    const thinking: Anthropic.MessageParam = { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }] };
    expect(withConversationBreakpoint([thinking], ON)).toEqual([thinking]);
    expect(withConversationBreakpoint([{ role: 'user', content: '' }], ON)).toEqual([{ role: 'user', content: '' }]);
    expect(withConversationBreakpoint([], ON)).toEqual([]);
  });
});
