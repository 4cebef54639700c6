import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator.js';
import { countInputTokens, countOutputTokens } from './token-count.js';

const MODEL = 'claude-sonnet-5-5';

describe('simulator: messages over real HTTP with the real SDK', () => {
  let sim: RunningSimulator;
  let client: Anthropic;

  beforeEach(async () => {
    sim = await startSimulator();
    client = new Anthropic({ baseURL: sim.url, apiKey: 'test-key', maxRetries: 0 });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('answers a non-streaming create with exact usage numbers', async () => {
    sim.setScript([{ reply: 'Hello there, world!' }]);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: 'You are a frontend developer.', // 29 chars -> 8 tokens
      messages: [{ role: 'user', content: 'Build a login form' }], // 3 + ceil(18 / 4) = 8 tokens
    });

    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(MODEL);
    expect(message.id).toMatch(/^msg_sim_/);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there, world!' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    expect(message.usage).toMatchObject({
      input_tokens: 16,
      output_tokens: 5, // ceil(19 / 4)
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: 'standard',
    });
  });

  it('gives a streamed message the same text and usage as the non-streamed one', async () => {
    const params = {
      model: MODEL,
      max_tokens: 500,
      system: 'You are a backend engineer building an API.',
      messages: [{ role: 'user' as const, content: 'Design the orders endpoint, please.' }],
    };
    const plain = await client.messages.create(params);
    const streamed = await client.messages.stream(params).finalMessage();

    expect(streamed.content).toEqual(plain.content);
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.stop_reason).toBe('end_turn');
    expect(streamed.model).toBe(MODEL);
    const text = plain.content[0]?.type === 'text' ? plain.content[0].text : '';
    expect(plain.usage.output_tokens).toBe(countOutputTokens([{ type: 'text', text }]));
    expect(plain.usage.input_tokens).toBe(countInputTokens(params));
  });

  it('streams text deltas in order, a few words at a time', async () => {
    const reply = 'one two three four five six seven eight nine ten eleven twelve thirteen';
    sim.setScript([{ reply }]);
    const deltas: string[] = [];
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'count' }],
    });
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(reply);
    expect(deltas[0]).toBe('one two three ');
    expect(final.content).toEqual([{ type: 'text', text: reply }]);
  });

  it('sends the Anthropic event sequence', async () => {
    sim.setScript([{ reply: 'a b c d e f g' }]);
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);

    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('writes exact SSE frames, including message_start and message_delta usage', async () => {
    sim.setScript([{ reply: 'Hi!' }]);
    const response = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'test-key' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hey' }] }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('request-id')).toMatch(/^req_sim_/);
    const frames = (await response.text()).split('\n\n').filter((frame) => frame.length > 0);
    const parsed = frames.map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const data: unknown = JSON.parse((dataLine ?? '').replace(/^data: /, ''));
      return { event: (eventLine ?? '').replace(/^event: /, ''), data };
    });

    expect(parsed.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const frame of parsed) expect(frame.data).toMatchObject({ type: frame.event });
    expect(parsed[0]?.data).toMatchObject({
      message: {
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 4, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    expect(parsed[1]?.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(parsed[3]?.data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi!' } });
    expect(parsed[5]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null },
      usage: { input_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
    });
  });

  it('records a multi-turn request with its full history', async () => {
    const messages = [
      { role: 'user' as const, content: 'first question' },
      { role: 'assistant' as const, content: 'first answer' },
      { role: 'user' as const, content: [{ type: 'text' as const, text: 'second question' }] },
    ];
    const reply = await client.messages.create({ model: MODEL, max_tokens: 300, system: 'Be brief.', messages });

    expect(sim.requests).toHaveLength(1);
    const recorded = sim.requests[0];
    expect(recorded?.seq).toBe(0);
    expect(recorded?.path).toBe('/v1/messages');
    expect(recorded?.stream).toBe(false);
    expect(recorded?.body.messages).toEqual(messages);
    expect(recorded?.body.system).toBe('Be brief.');
    expect(recorded?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(recorded?.headers['user-agent']).toMatch(/Anthropic/i);
    expect(Date.parse(recorded?.receivedAt ?? '')).not.toBeNaN();
    const text = reply.content[0]?.type === 'text' ? reply.content[0].text : '';
    expect(text).toContain('turn 2');
    expect(text).toContain('second question');
  });

  it('counts tokens with the same rule the messages endpoint reports', async () => {
    const params = {
      model: MODEL,
      system: [{ type: 'text' as const, text: 'You review code.' }],
      messages: [{ role: 'user' as const, content: 'Review this diff: + const x = 1;' }],
      tools: [{ name: 'read_file', description: 'Read a file', input_schema: { type: 'object' as const } }],
    };
    const counted = await client.messages.countTokens(params);
    const created = await client.messages.create({ ...params, max_tokens: 100 });

    expect(counted.input_tokens).toBe(countInputTokens(params));
    expect(created.usage.input_tokens).toBe(counted.input_tokens);
  });
});
