import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator } from '../library.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';
const WRITE_TOOL = {
  name: 'Write',
  description: 'Writes a file to the local filesystem.',
  input_schema: { type: 'object' as const, properties: { file_path: { type: 'string' }, content: { type: 'string' } }, required: ['file_path', 'content'] },
};
const SYSTEM = 'You are a Claude agent.\n# Environment\n - Primary working directory: /tmp/agent-ws\n\nYou are a senior backend developer.';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('tool use for agents on the simulator', () => {
  it('streams a Write call (content_block_start, input_json_delta, stop_reason tool_use, real usage), then closes the turn after the result', async () => {
    const client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
    const ask = 'create hello.txt containing hi';
    const events: string[] = [];
    const stream = client.messages.stream({ model: MODEL, max_tokens: 1_000, system: SYSTEM, tools: [WRITE_TOOL], messages: [{ role: 'user', content: ask }] });
    stream.on('streamEvent', (event) => {
      events.push(event.type === 'content_block_delta' ? event.delta.type : event.type === 'content_block_start' ? `start:${event.content_block.type}` : event.type);
    });
    const call = await stream.finalMessage();

    expect(call.stop_reason).toBe('tool_use');
    const use = call.content.find((block) => block.type === 'tool_use');
    expect(use).toMatchObject({ name: 'Write', input: { file_path: '/tmp/agent-ws/hello.txt', content: 'hi\n' } });
    expect(events).toContain('start:tool_use');
    expect(events).toContain('input_json_delta');
    expect(events.at(-1)).toBe('message_stop');
    expect(call.usage.input_tokens).toBeGreaterThan(0);
    expect(call.usage.output_tokens).toBeGreaterThan(0);

    const done = await client.messages.create({
      model: MODEL,
      max_tokens: 1_000,
      system: SYSTEM,
      tools: [WRITE_TOOL],
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.id ?? '', content: 'File created successfully at: /tmp/agent-ws/hello.txt' }] },
      ],
    });
    expect(done.stop_reason).toBe('end_turn');
    expect(done.content).toEqual([{ type: 'text', text: expect.stringContaining('Done: I wrote /tmp/agent-ws/hello.txt (3 bytes).') }]);

    const refused = await client.messages.create({
      model: MODEL,
      max_tokens: 1_000,
      system: SYSTEM,
      tools: [WRITE_TOOL],
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.id ?? '', is_error: true, content: "Claude requested permissions to write, but you haven't granted it yet." }] },
      ],
    });
    expect(refused.content).toEqual([
      { type: 'text', text: expect.stringContaining("The Write tool could not write /tmp/agent-ws/hello.txt: Claude requested permissions to write, but you haven't granted it yet. (") },
    ]);
  });

  it('answers in words when the agent has no Write tool, or no working directory for a relative path', async () => {
    const client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
    const noTool = await client.messages.create({ model: MODEL, max_tokens: 1_000, system: SYSTEM, messages: [{ role: 'user', content: 'create hello.txt containing hi' }] });
    const noCwd = await client.messages.create({ model: MODEL, max_tokens: 1_000, tools: [WRITE_TOOL], messages: [{ role: 'user', content: 'create hello.txt containing hi' }] });
    for (const reply of [noTool, noCwd]) {
      expect(reply.stop_reason).toBe('end_turn');
      expect(reply.content).toEqual([{ type: 'text', text: expect.stringContaining('You said: "create hello.txt containing hi"') }]);
    }
  });
});

describe('a claude-code instance on the simulator, through the orchestrator', () => {
  it('writes the file it is asked for in its workspace, and the turn lists it in changed_files', async () => {
    const workspaceDir = realpathSync(mkdtempSync(join(tmpdir(), 'sim-agent-')));
    const orchestrator = createOrchestrator({ env: {}, config: { workspaceDir, apiKey: 'sim', baseUrl: sim.url, healthCheckIntervalSeconds: 3600 } });
    try {
      const { instance_id } = await orchestrator.spawnInstance({ name: 'writer', backend: 'claude-code' });
      const turn = await orchestrator.sendToInstance({ instance_id, message: 'create hello.txt containing hi' });

      expect(readFileSync(join(workspaceDir, instance_id, 'hello.txt'), 'utf8')).toBe('hi\n');
      expect(turn.changed_files).toEqual(['hello.txt']);
      expect(turn.tool_calls).toMatchObject([{ name: 'Write', is_error: false }]);
      expect(turn.reply).toContain('Done: I wrote');
      expect(turn.usage.output_tokens).toBeGreaterThan(0);
    } finally {
      await orchestrator.close();
      rmSync(workspaceDir, { recursive: true, force: true });
    }
  });
});
