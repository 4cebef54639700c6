import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReplyOnly } from './reply-only.js';
import { findShellCommand } from './shell-command.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';
// Claude Code's Bash and Write tools, as the CLI offers them (the input fields the simulator fills).
const TOOLS = [
  { name: 'Bash', description: 'Executes a bash command.', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Write', description: 'Writes a file.', input_schema: { type: 'object' as const, properties: { file_path: { type: 'string' }, content: { type: 'string' } } } },
];

let sim: RunningSimulator;
let client: Anthropic;
beforeAll(async () => {
  sim = await startSimulator();
  client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe('a foreground shell command for agents on the simulator', () => {
  it('reads "run the command: <command>" to the end of its line', () => {
    expect(findShellCommand('please\nrun the command: make test && echo ok\nthanks')).toBe('make test && echo ok');
    expect(findShellCommand('Run the Command:   exit 3')).toBe('exit 3');
    expect(findShellCommand('run the command:')).toBeUndefined();
  });

  it('answers with a Bash call in the foreground, then closes the turn quoting the result, failed or not', async () => {
    const ask = 'run the command: echo broken; exit 3';
    const call = await client.messages.create({ model: MODEL, max_tokens: 1_000, tools: TOOLS, messages: [{ role: 'user', content: ask }] });
    const use = call.content.find((block) => block.type === 'tool_use');
    expect(use).toMatchObject({ name: 'Bash', input: { command: 'echo broken; exit 3' } });
    expect((use as { input: Record<string, unknown> }).input['run_in_background']).toBeUndefined();
    if (use?.type !== 'tool_use') throw new Error('no tool_use');
    const done = await client.messages.create({
      model: MODEL,
      max_tokens: 1_000,
      tools: TOOLS,
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Exit code 3\nbroken', is_error: true }] },
      ],
    });
    expect(done.stop_reason).toBe('end_turn');
    expect(done.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('The command `echo broken; exit 3` failed: Exit code 3') });
  });
});

describe('a bare reply on demand', () => {
  it('reads "reply only: <text>"', () => {
    expect(findReplyOnly('Build a todo app.\nreply only: Done!')).toBe('Done!');
    expect(findReplyOnly('reply soon')).toBeUndefined();
  });

  it('answers exactly that text with no tool call, even when the agent has tools and was asked to write a file', async () => {
    const reply = await client.messages.create({
      model: MODEL,
      max_tokens: 1_000,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'create app.js containing the whole app\nreply only: Done!' }],
    });
    expect(reply.stop_reason).toBe('end_turn');
    expect(reply.content).toEqual([{ type: 'text', text: 'Done!' }]);
  });
});
