import { describe, expect, it } from 'vitest';
import type { MessageView } from '../orchestrator/views.js';
import { formatMessage } from './message-format.js';

const at = new Date(2026, 10, 27, 7, 58, 3);

function message(extra: Partial<MessageView>): MessageView {
  return { seq: 2, role: 'assistant', content: '', at: at.toISOString(), ...extra } as MessageView;
}

describe('formatMessage', () => {
  it('shows a reply with its time, role and what the turn used, its text indented', () => {
    const text = formatMessage(message({ content: 'Rivers bend\nand run.', cost_usd: 0.0021, duration_ms: 1900, model: 'claude-sonnet-5-5' }), at);
    expect(text).toBe('07:58:03 assistant  $0.0021 · 1.9 s · claude-sonnet-5-5\n    Rivers bend\n    and run.');
  });

  it('strips the control characters of a model reply, a tool result and an error, keeping newlines and tabs', () => {
    const text = formatMessage(
      message({
        content: '\x1b]0;pwned\x07Hello\x1b[2J\n\tworld\x9b31m\r',
        tool_calls: [{ name: 'read', is_error: false, result: 'ok \x1b[31mred', input: {} }],
        failed: true,
        error: 'bad \x1b[5m',
      }),
      at,
    );
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toBe('07:58:03 assistant  FAILED: bad [5m\n    ]0;pwnedHello[2J\n    \tworld31m\n    ↳ read: ok [31mred');
  });

  it("ends a tool-using agent's turn with its verification, and a plain reply with none", () => {
    const evidence = { tool_calls: {}, files: [], commands: [], model_calls: 1, tokens: 9 };
    const claimed = formatMessage(message({ content: 'Done!', evidence, verification: { status: 'unverified', reason: 'no tool call and no file change' } }), at);
    expect(claimed).toBe('07:58:03 assistant\n    Done!\n    ⚠ unverified: no tool call and no file change');
    const wrote = formatMessage(message({ content: 'Wrote it.', evidence, verification: { status: 'verified', reason: '1 file changed' } }), at);
    expect(wrote.split('\n').at(-1)).toBe('    ✓ verified: 1 file changed');
    expect(formatMessage(message({ content: 'Hi.', evidence }), at)).toBe('07:58:03 assistant\n    Hi.');
  });

  it('dates a message of another day', () => {
    expect(formatMessage(message({ content: 'old' }), new Date(2026, 10, 29))).toMatch(/^2026-11-27 07:58:03 assistant\n/);
  });
});
