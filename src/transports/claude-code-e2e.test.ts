import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRequest, ReplySpec } from '../simulator/simulator.js';
import { CLAUDE_CLI, claudeCliEnv } from '../test-support/claude-cli.js';
import { startStack, type Stack } from '../test-support/stack.js';

const run = promisify(execFile);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** Every tool_result the outer agent has been given so far, as text. */
function toolResults(request: ParsedRequest): string[] {
  const out: string[] = [];
  for (const message of request.messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) {
      if (block.type !== 'tool_result') continue;
      const content = (block as { content?: unknown }).content;
      out.push(typeof content === 'string' ? content : JSON.stringify(content));
    }
  }
  return out;
}

/**
 * Plays the user's Claude: spawn a frontend developer, two turns, status, terminate, then a summary.
 * Each step is decided from the tool results the real Claude Code CLI sent back, so the test proves the
 * CLI really called our tools and fed their results to its model.
 */
function outerAgent(request: ParsedRequest): ReplySpec {
  const results = toolResults(request);
  const id = /inst_[0-9a-f]{32}/.exec(results[0] ?? '')?.[0];
  const tool = (name: string, input: Record<string, unknown>): ReplySpec => ({ content: [{ type: 'tool_use', name: `mcp__orchestrator__${name}`, input }] });
  switch (results.length) {
    case 0:
      return tool('spawn_claude', { name: 'Navbar Builder', role: 'frontend_developer' });
    case 1:
      return tool('send_to_instance', { instance_id: id, message: 'Create a responsive navigation component' });
    case 2:
      return tool('send_to_instance', { instance_id: id, message: 'Now add dropdown menus to it' });
    case 3:
      return tool('get_instance_status', { instance_id: id });
    case 4:
      return tool('terminate_instance', { instance_id: id });
    default:
      return 'The frontend developer finished both tasks and has been terminated.';
  }
}

describe('end to end through the Claude Code CLI', () => {
  it("lets the user's Claude spawn an instance, hold a two-turn conversation, see exact usage, and terminate it", async () => {
    stack.sim.setScript([{ match: { tool: 'mcp__orchestrator__spawn_claude' }, reply: outerAgent }]);
    stack.sim.reset();
    const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
    const mcpConfig = join(home, 'mcp.json');
    writeFileSync(mcpConfig, JSON.stringify({ mcpServers: { orchestrator: { type: 'http', url: `${stack.url}/mcp` } } }));
    const { stdout } = await run(
      CLAUDE_CLI,
      ['-p', 'Spawn a frontend developer and have it build a navbar.', '--output-format', 'stream-json', '--verbose',
        '--mcp-config', mcpConfig, '--strict-mcp-config', '--allowedTools', 'mcp__orchestrator'],
      {
        cwd: home,
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
        // ENABLE_TOOL_SEARCH=false offers MCP tools to the model directly instead of behind tool search.
        env: claudeCliEnv(home, stack.sim.url, { ENABLE_TOOL_SEARCH: 'false' }),
      },
    );
    const events = stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    const final = events.find((e) => e['type'] === 'result');
    expect(final?.['result']).toMatch(/terminated/);

    // The orchestrator's instance talked to the simulator twice, the second time with the first turn in its history.
    const inner = stack.sim.requests.filter((r) => String(JSON.stringify(r.body.system)).includes('frontend developer'));
    expect(inner).toHaveLength(2);
    expect(inner[1]?.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);

    // What the CLI's model was shown as the status equals the orchestrator's exact accounting.
    const instance = (await stack.server.orchestrator.listInstances({ include_terminated: true })).instances[0];
    expect(instance).toMatchObject({ role: 'frontend_developer', state: 'terminated', turns: 2 });
    const statusText = toolResults(stack.sim.requests.at(-1)?.body as ParsedRequest)[3] ?? '';
    expect(statusText).toContain(`"total_tokens":${instance?.usage.total_tokens}`);
    expect(statusText).toContain(`"cost_usd":${instance?.cost_usd}`);
    expect(statusText).toContain('"turns":2');
  });
});
