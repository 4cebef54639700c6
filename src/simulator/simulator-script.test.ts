import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type ParsedRequest, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('simulator: scripted replies', () => {
  let sim: RunningSimulator;
  let client: Anthropic;

  beforeEach(async () => {
    sim = await startSimulator();
    client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await sim.close();
  });

  const ask = (content: string, system?: string, model = MODEL): Promise<Anthropic.Message> =>
    client.messages.create({
      model,
      max_tokens: 1000,
      messages: [{ role: 'user', content }],
      ...(system === undefined ? {} : { system }),
    });

  it('matches a rule on the last user message, case-insensitively', async () => {
    sim.setScript([{ match: { lastUser: 'PING' }, reply: 'pong' }]);

    expect(textOf(await ask('please ping me'))).toBe('pong');
    expect(textOf(await ask('something else'))).toContain('[Simulated');
  });

  it('matches a rule on the system prompt, given as a string or as text blocks', async () => {
    sim.setScript([{ match: { system: /\bauditor\b/i }, reply: 'audit done' }]);

    expect(textOf(await ask('go', 'You are an Auditor.'))).toBe('audit done');
    const blocks = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: [
        { type: 'text', text: 'Preamble.' },
        { type: 'text', text: 'You are an auditor.' },
      ],
      messages: [{ role: 'user', content: 'go' }],
    });
    expect(textOf(blocks)).toBe('audit done');
    expect(textOf(await ask('go', 'You are a poet.'))).not.toBe('audit done');
  });

  it('tries rules in order and requires every condition of a rule', async () => {
    sim.setScript([
      { match: { system: 'reviewer', lastUser: 'diff' }, reply: 'reviewing the diff' },
      { match: { model: 'claude-haiku-5' }, reply: 'haiku speaking' },
      { match: { system: 'reviewer' }, reply: 'reviewer fallback' },
    ]);

    expect(textOf(await ask('here is a diff', 'You are a reviewer.'))).toBe('reviewing the diff');
    expect(textOf(await ask('hello', 'You are a reviewer.'))).toBe('reviewer fallback');
    expect(textOf(await ask('hello', 'You are a reviewer.', 'claude-haiku-5'))).toBe('haiku speaking');
  });

  it('matches a rule on a tool the request offers', async () => {
    sim.setScript([{ match: { tool: 'mcp__orchestrator__spawn_claude' }, reply: 'agent with our tools' }]);
    const withTool = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'mcp__orchestrator__spawn_claude', description: 'spawn', input_schema: { type: 'object', properties: {} } }],
    });
    expect(textOf(withTool)).toBe('agent with our tools');
    expect(textOf(await ask('hi'))).toContain('[Simulated');
  });

  it('matches tool results as the text of the last user message', async () => {
    sim.setScript([{ match: { lastUser: 'exit code 0' }, reply: 'tests pass' }]);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'run the tests' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { cmd: 'npm test' } }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'exit code 0' }] }],
        },
      ],
    });
    expect(textOf(message)).toBe('tests pass');
  });

  it('calls a reply function with the parsed request and its index', async () => {
    const seen: Array<{ index: number; model: string }> = [];
    sim.setScript([
      {
        reply: (request: ParsedRequest, { requestIndex }) => {
          seen.push({ index: requestIndex, model: request.model });
          return `reply #${requestIndex}`;
        },
      },
    ]);

    expect(textOf(await ask('a'))).toBe('reply #0');
    expect(textOf(await ask('b'))).toBe('reply #1');
    expect(seen).toEqual([
      { index: 0, model: MODEL },
      { index: 1, model: MODEL },
    ]);
  });

  describe('tool_use replies', () => {
    const toolReply = {
      reply: {
        content: [
          { type: 'text' as const, text: 'Let me read it.' },
          { type: 'tool_use' as const, name: 'read_file', input: { path: 'src/index.ts', lines: [1, 20] } },
        ],
      },
    };
    const params = {
      model: MODEL,
      max_tokens: 500,
      tools: [{ name: 'read_file', input_schema: { type: 'object' as const } }],
      messages: [{ role: 'user' as const, content: 'read the entry point' }],
    };

    it('parses in the SDK without streaming', async () => {
      sim.setScript([toolReply]);
      const message = await client.messages.create(params);

      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toHaveLength(2);
      const tool = message.content[1];
      expect(tool?.type).toBe('tool_use');
      if (tool?.type !== 'tool_use') return;
      expect(tool.name).toBe('read_file');
      expect(tool.input).toEqual({ path: 'src/index.ts', lines: [1, 20] });
      expect(tool.id).toMatch(/^toolu_/);
    });

    it('parses in the SDK when streamed, with the same content and usage', async () => {
      sim.setScript([toolReply]);
      const plain = await client.messages.create(params);
      const streamed = await client.messages.stream(params).finalMessage();

      expect(streamed.stop_reason).toBe('tool_use');
      const tool = streamed.content[1];
      expect(tool?.type).toBe('tool_use');
      if (tool?.type !== 'tool_use') return;
      expect(tool.name).toBe('read_file');
      expect(tool.input).toEqual({ path: 'src/index.ts', lines: [1, 20] });
      expect(streamed.usage).toEqual(plain.usage);
    });

    it('keeps a given tool id and stop reason', async () => {
      sim.setScript([
        {
          reply: {
            content: [{ type: 'tool_use', id: 'toolu_fixed', name: 'noop', input: {} }],
            stopReason: 'end_turn',
          },
        },
      ]);
      const message = await client.messages.create(params);

      expect(message.stop_reason).toBe('end_turn');
      expect(message.content[0]).toMatchObject({ type: 'tool_use', id: 'toolu_fixed', name: 'noop', input: {} });
    });
  });

  describe('max_tokens', () => {
    const long = 'word '.repeat(100); // 500 chars -> 125 tokens

    it('truncates the reply to max_tokens and says so, without streaming', async () => {
      sim.setScript([{ reply: long }]);
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'talk' }],
      });

      expect(message.stop_reason).toBe('max_tokens');
      expect(textOf(message)).toBe(long.slice(0, 40));
      expect(message.usage.output_tokens).toBe(10);
    });

    it('truncates the same way when streamed', async () => {
      sim.setScript([{ reply: long }]);
      const message = await client.messages
        .stream({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'talk' }] })
        .finalMessage();

      expect(message.stop_reason).toBe('max_tokens');
      expect(textOf(message)).toBe(long.slice(0, 40));
      expect(message.usage.output_tokens).toBe(10);
    });

    it('truncates the default reply too', async () => {
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 3,
        messages: [{ role: 'user', content: 'hello' }],
      });

      expect(message.stop_reason).toBe('max_tokens');
      expect(textOf(message)).toHaveLength(12);
      expect(message.usage.output_tokens).toBe(3);
    });

    it('drops a tool call that does not fit', async () => {
      sim.setScript([
        {
          reply: {
            content: [
              { type: 'text', text: 'abcd' },
              { type: 'tool_use', name: 'write_file', input: { path: 'a.txt', content: 'x'.repeat(100) } },
            ],
          },
        },
      ]);
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'write' }],
      });

      expect(message.stop_reason).toBe('max_tokens');
      expect(message.content).toEqual([{ type: 'text', text: 'abcd' }]);
      expect(message.usage.output_tokens).toBe(1);
    });
  });

  it('stops at a requested stop sequence', async () => {
    sim.setScript([{ reply: 'first part END second part' }]);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      stop_sequences: ['END'],
      messages: [{ role: 'user', content: 'go' }],
    });

    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('END');
    expect(textOf(message)).toBe('first part ');
  });

  it('gives a deterministic, role-aware default reply', async () => {
    const first = await ask('Build the settings page with a dark-mode toggle', 'You are a senior React developer.');
    const again = await ask('Build the settings page with a dark-mode toggle', 'You are a senior React developer.');
    const text = textOf(first);

    expect(text).toBe(textOf(again));
    expect(text).toContain('Simulated frontend developer');
    expect(text).toContain('turn 1');
    expect(text).toContain('Build the settings page with a dark-mode toggle');
    expect(textOf(await ask('Find the leak', 'You are a debugging expert.'))).toContain('Simulated debugger');
  });
});
