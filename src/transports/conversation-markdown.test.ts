import { describe, expect, it } from 'vitest';
import type { OutputResult } from '../orchestrator/results.js';
import type { InstanceView, MessageView } from '../orchestrator/views.js';
import { conversationMarkdown } from './conversation-markdown.js';

const instance = {
  instance_id: 'inst_1',
  name: 'Writer',
  role: 'general',
  model: 'claude-sonnet-5-5',
  backend: 'api',
  state: 'idle',
  state_reason: 'ready',
  turns: 1,
  usage: { total_tokens: 120 },
  cost_usd: null,
} as unknown as InstanceView;

const page = (messages: Partial<MessageView>[], total: number, offset = 0, limit = 50) =>
  ({ instance_id: 'inst_1', messages: messages as MessageView[], total, offset, limit }) as unknown as OutputResult;

describe('a conversation as markdown', () => {
  it("shows a tool-using agent's turn with its verification and what it did; a plain reply with neither", () => {
    const evidence = { tool_calls: { Write: 1 }, files: [{ path: 'app.js', bytes: 3, sha256: 'x' }], commands: [], model_calls: 2, tokens: 1_234 };
    const text = conversationMarkdown(
      instance,
      page(
        [
          { seq: 2, role: 'assistant', at: 't2', content: 'Wrote it.', evidence, verification: { status: 'verified', reason: '1 file changed' } },
          { seq: 4, role: 'assistant', at: 't4', content: 'Hi.', evidence: { ...evidence, tool_calls: {}, files: [] } },
        ],
        2,
      ),
    );
    expect(text).toContain('Wrote it.\n\n- ✓ verified: 1 file changed\n- evidence: Write; 1 file changed (app.js); 2 model calls; 1,234 tokens\n');
    expect(text.split('## 4.')[1]).not.toMatch(/verified|evidence/);
  });

  it('says when there are no messages yet', () => {
    const text = conversationMarkdown(instance, page([], 0));
    expect(text).toContain('# Writer (inst_1)');
    expect(text).toContain('No messages yet.');
  });

  it('shows every fact of a message: usage, cost, unknown cost, duration, stop reason, failure, tool calls, empty text', () => {
    const text = conversationMarkdown(
      instance,
      page(
        [
          { seq: 1, role: 'user', at: 't1', content: 'hi', failed: true },
          { seq: 2, role: 'user', at: 't2', content: 'again', failed: true, error: 'Interrupted' },
          {
            seq: 3,
            role: 'assistant',
            at: 't3',
            content: '',
            usage: { input_tokens: 100, output_tokens: 20 } as MessageView['usage'],
            cost_usd: null as unknown as number,
            duration_ms: 900,
            stop_reason: 'end_turn',
            tool_calls: [
              { name: 'read', is_error: false, result: 'ok', input: {} },
              { name: 'write', is_error: true, result: 'denied', input: {} },
            ],
          } as Partial<MessageView>,
        ],
        3,
      ),
    );
    expect(text).toContain('All 3 messages.');
    expect(text).toContain('## 1. user · t1 · failed\n\nhi');
    expect(text).toContain('## 2. user · t2 · failed: Interrupted');
    expect(text).toContain('## 3. assistant · t3 · 100 in / 20 out tokens · cost unknown · 900 ms · end_turn\n\n_(no text)_');
    expect(text).toContain('- tool read: ok\n\n- tool write (error): denied');
  });

  it('says how to read the rest when the page is a window of the conversation', () => {
    const text = conversationMarkdown(instance, page([{ seq: 9, role: 'user', at: 't', content: 'x' }], 10, 9, 1));
    expect(text).toContain('Messages 10–10 of 10 (the most recent). Earlier ones: get_instance_output with {"instance_id": "inst_1", "offset": 0, "limit": 1}');
  });
});
