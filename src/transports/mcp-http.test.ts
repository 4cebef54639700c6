import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInputTokens, countOutputTokens } from '../simulator/token-count.js';
import { startStack, type Stack } from '../test-support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

type Structured = Record<string, unknown>;

async function connect(mode: 'legacy' | 'auto'): Promise<Client> {
  // 'auto' negotiates the 2026-07-28 protocol; 'legacy' is the plain 2025 handshake most clients use today.
  const client = new Client({ name: 'test-client', version: '1.0.0' }, mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`)));
  return client;
}

describe.each(['legacy', 'auto'] as const)('MCP over Streamable HTTP (%s client)', (mode) => {
  it('lists the ten tools in a few KB', async () => {
    const client = await connect(mode);
    if (mode === 'auto') expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'answer_approval',
        'cancel_task',
        'coordinate_instances',
        'get_instance_output',
        'get_instance_status',
        'get_task',
        'list_instances',
        'send_to_instance',
        'spawn_claude',
        'terminate_instance',
      ].sort(),
    );
    // Output schemas included; the budget and why: mcp-server.test.ts.
    expect(JSON.stringify(tools).length).toBeLessThan(22 * 1024);
    await client.close();
  });

  it('holds a two-turn conversation with exact usage from the simulator', async () => {
    stack.sim.reset();
    const client = await connect(mode);
    const spawn = await client.callTool({ name: 'spawn_claude', arguments: { name: 'Frontend', role: 'frontend_developer' } });
    expect(spawn.isError).toBeFalsy();
    const id = (spawn.structuredContent as Structured)['instance_id'] as string;
    expect(JSON.parse((spawn.content as Array<{ text: string }>)[0]?.text ?? '{}')).toEqual(spawn.structuredContent);

    const first = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'Build a navbar component' } });
    const second = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'Now add a dropdown' } });
    const one = first.structuredContent as Structured;
    const two = second.structuredContent as Structured;

    const requests = stack.sim.requests;
    expect(requests).toHaveLength(2);
    const secondBody = requests[1]?.body as { messages: Array<{ role: string; content: unknown }>; system: unknown };
    expect(secondBody.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(secondBody.messages[0]?.content).toBe('Build a navbar component');
    expect(secondBody.messages[1]?.content).toBe(one['reply']);
    // A string, or text blocks when prompt caching marks breakpoints: the role prompt is in there either way.
    expect(JSON.stringify(secondBody.system)).toMatch(/frontend developer/);

    // The simulator's own counting rule, applied to exactly what it was sent and what it replied.
    const firstBody = requests[0]?.body as Parameters<typeof countInputTokens>[0];
    expect(one['usage']).toMatchObject({
      input_tokens: countInputTokens(firstBody),
      output_tokens: countOutputTokens([{ type: 'text', text: String(one['reply']) }]),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(two['usage']).toMatchObject({ input_tokens: countInputTokens(secondBody as Parameters<typeof countInputTokens>[0]) });

    const output = await client.callTool({ name: 'get_instance_output', arguments: { instance_id: id } });
    const messages = (output.structuredContent as { messages: Array<{ role: string; content: string }> }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[3]?.content).toBe(two['reply']);

    const status = (await client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } })).structuredContent as Structured;
    const u1 = one['usage'] as Structured;
    const u2 = two['usage'] as Structured;
    expect((status['usage'] as Structured)['total_tokens']).toBe(Number(u1['total_tokens']) + Number(u2['total_tokens']));
    expect(status['turns']).toBe(2);
    expect(status['cost_usd']).toBeCloseTo(Number(one['cost_usd']) + Number(two['cost_usd']), 12);

    const terminated = await client.callTool({ name: 'terminate_instance', arguments: { instance_id: id } });
    expect(terminated.structuredContent).toMatchObject({ state: 'terminated', turns: 2 });
    const after = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: 'still there?' } });
    expect(after.isError).toBe(true);
    expect((after.content as Array<{ text: string }>)[0]?.text).toMatch(/terminated/);
    await client.close();
  });

  it('answers bad input with tool errors and keeps serving', async () => {
    const client = await connect(mode);
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['spawn_claude', { name: 'x', role: 'wizard' }, /role/],
      ['spawn_claude', {}, /name/],
      ['spawn_claude', { name: 'x'.repeat(201) }, /name/],
      ['send_to_instance', { instance_id: 'inst_nope', message: 'hi' }, /not found/],
      ['send_to_instance', { instance_id: 'x' }, /message/],
      ['get_instance_status', { instance_id: '../../etc/passwd' }, /not found/],
      ['get_instance_output', { instance_id: 'x', limit: 0 }, /limit/],
    ];
    for (const [name, args, pattern] of cases) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect((result.content as Array<{ text: string }>)[0]?.text).toMatch(pattern);
    }
    expect((await client.callTool({ name: 'list_instances', arguments: {} })).isError).toBeFalsy();
    await client.close();
  });
});
