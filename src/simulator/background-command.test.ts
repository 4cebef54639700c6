import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBackgroundCommand } from './background-command.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const MODEL = 'claude-sonnet-5-5';
// Claude Code's Bash tool, as the CLI offers it (the input fields the simulator fills).
const BASH_TOOL = {
  name: 'Bash',
  description: 'Executes a bash command.',
  input_schema: {
    type: 'object' as const,
    properties: { command: { type: 'string' }, timeout: { type: 'number' }, description: { type: 'string' }, run_in_background: { type: 'boolean' } },
    required: ['command'],
  },
};

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('a background shell for agents on the simulator', () => {
  it('reads "run in the background: <command>" to the end of its line', () => {
    expect(findBackgroundCommand('please\nrun in the background: sleep 300 && echo hi\nthanks')).toBe('sleep 300 && echo hi');
    expect(findBackgroundCommand('Run in the Background:   tail -f /dev/null')).toBe('tail -f /dev/null');
    expect(findBackgroundCommand('run in the background:')).toBeUndefined();
    expect(findBackgroundCommand('run it later')).toBeUndefined();
  });

  it('answers with a Bash call that has run_in_background, then closes the turn after its result', async () => {
    const client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
    const ask = 'run in the background: sleep 300';
    const call = await client.messages.create({ model: MODEL, max_tokens: 1_000, tools: [BASH_TOOL], messages: [{ role: 'user', content: ask }] });
    expect(call.stop_reason).toBe('tool_use');
    const use = call.content.find((block) => block.type === 'tool_use');
    expect(use).toMatchObject({ name: 'Bash', input: { command: 'sleep 300', run_in_background: true } });
    if (use?.type !== 'tool_use') throw new Error('no tool_use');

    const done = await client.messages.create({
      model: MODEL,
      max_tokens: 1_000,
      tools: [BASH_TOOL],
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Command running in background with ID: bash_1' }] },
      ],
    });
    expect(done.stop_reason).toBe('end_turn');
    expect(done.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Started `sleep 300` in the background (Command running in background with ID: bash_1)') });
  });

  it('without a Bash tool, answers in text', async () => {
    const client = new Anthropic({ baseURL: sim.url, apiKey: 'sim', maxRetries: 0 });
    const reply = await client.messages.create({ model: MODEL, max_tokens: 1_000, messages: [{ role: 'user', content: 'run in the background: sleep 300' }] });
    expect(reply.stop_reason).toBe('end_turn');
    expect(reply.content.every((block) => block.type === 'text')).toBe(true);
  });
});
