import { describe, expect, it } from 'vitest';
import type { MessageView } from '../orchestrator/views.js';
import { formatMessage } from './message-format.js';

const at = new Date(2026, 10, 27, 7, 58, 3);

function message(extra: Partial<MessageView>): MessageView {
  return { seq: 2, role: 'assistant', content: '', at: at.toISOString(), ...extra } as MessageView;
}

const usage = (extra: Record<string, number> = {}) => ({ input_tokens: 400, output_tokens: 100, total_tokens: 1500, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...extra });

describe('formatMessage, every part of the header', () => {
  it('shows tokens with what came from the prompt cache, and nothing about the cache when none was used', () => {
    const cached = formatMessage(message({ content: 'x', usage: usage({ cache_read_input_tokens: 800, cache_creation_input_tokens: 200 }) } as Partial<MessageView>), at);
    expect(cached.split('\n')[0]).toBe('07:58:03 assistant  1,500 tokens (400 in, 100 out, 800 cache read, 200 cache write)');
    const readOnly = formatMessage(message({ content: 'x', usage: usage({ cache_read_input_tokens: 5 }) } as Partial<MessageView>), at);
    expect(readOnly.split('\n')[0]).toMatch(/\(400 in, 100 out, 5 cache read\)$/);
    const plain = formatMessage(message({ content: 'x', usage: usage() } as Partial<MessageView>), at);
    expect(plain.split('\n')[0]).toMatch(/\(400 in, 100 out\)$/);
  });

  it('says (empty) for an empty message, FAILED alone without an error, and marks a tool call that failed', () => {
    const text = formatMessage(message({ role: 'user', failed: true, tool_calls: [{ name: 'read_output', is_error: true, result: 'not yours', input: {} }] } as Partial<MessageView>), at);
    expect(text).toBe('07:58:03 user       FAILED\n    (empty)\n    ↳ read_output (error): not yours');
  });

  it('shows a time it cannot read as it is, and drops trailing blank lines of the text', () => {
    const text = formatMessage(message({ at: 'not a time', role: 'user', content: 'hello\n\n  ' }), at);
    expect(text).toBe('not a time user\n    hello');
  });
});
