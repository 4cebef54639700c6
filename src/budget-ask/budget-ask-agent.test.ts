import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_EXHAUSTED } from '../backends/call-budget.js';
import { createOrchestrator } from '../library.js';
import { agentScript, ClaudeCodeKit, TEST_API_KEY } from '../test-support/claude-code-kit.js';
import { createMcpServer } from '../transports/mcp-server.js';

/**
 * A Claude Code agent's model calls go through our model proxy, each held against its budget: a call the
 * spent budget refuses waits in the proxy while the user is asked, and goes on to the API once the budget is
 * raised (the agent never sees the refusal); declined, the agent's turn ends with budget_exhausted.
 */

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const LOOP = 'LOOP-UNTIL-BUDGET-91c2';
type S = Record<string, any>;

describe("a Claude Code agent's budget, asked through the model proxy", () => {
  it('raises once (the agent goes on with more calls), then stops at the declined second ask with what it did kept', { timeout: 120_000 }, async () => {
    // A model that never stops: every tool result it gets asks for the same command again.
    const again = { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: `echo ${LOOP}-again`, description: 'loop' } }] };
    kit.sim.setScript(agentScript([{ match: { lastUser: LOOP }, reply: again }]));
    const orchestrator = createOrchestrator({
      env: {},
      config: { workspaceDir: realpathSync(mkdtempSync(join(tmpdir(), 'agent-ask-'))), apiKey: TEST_API_KEY, baseUrl: kit.sim.url, healthCheckIntervalSeconds: 3600 },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(orchestrator).connect(serverSide);
    const asked: Array<{ calls: number; add: number }> = [];
    const client = new Client({ name: 'agent-budget-ask', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async (request) => {
      const add = (request.params as { requestedSchema: S }).requestedSchema['properties']['add']['default'] as number;
      asked.push({ calls: kit.sim.requests.length, add });
      return asked.length === 1 ? { action: 'accept', content: { add } } : { action: 'decline' };
    });
    await client.connect(clientSide);
    try {
      const limit = 60_000;
      const spawned = await client.callTool({ name: 'spawn_claude', arguments: { name: 'looper', backend: 'claude-code', max_total_tokens: limit, permissions: { allowed_tools: ['Bash(echo:*)'] } } });
      const id = (spawned.structuredContent as S)['instance_id'] as string;
      kit.sim.reset();
      const sent = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: id, message: `${LOOP} until told to stop`, timeout_seconds: 100 } });
      expect(sent.isError, JSON.stringify(sent.content)).toBeFalsy();
      const result = sent.structuredContent as S;
      expect(asked).toHaveLength(2);
      const [first, second] = asked as [{ calls: number; add: number }, { calls: number; add: number }];
      // Asked after the agent had made calls (a refusal in the proxy), and the raise let it make more.
      expect(first.calls).toBeGreaterThan(0);
      expect(second.calls).toBeGreaterThan(first.calls);
      expect(kit.sim.requests.length).toBe(second.calls);
      expect(result['stop_reason']).toBe(BUDGET_EXHAUSTED);
      expect(result['model_calls']).toBe(second.calls);
      const status = (await client.callTool({ name: 'get_instance_status', arguments: { instance_id: id } })).structuredContent as S;
      expect(status['limits']['max_total_tokens']).toBe(limit + first.add);
      // Its caller could be asked, so the agent at its limit stays usable.
      expect(status['state']).toBe('idle');
      expect(status['in_flight']).toEqual({ tokens: 0, cost_usd: 0 });
    } finally {
      kit.sim.setScript(agentScript());
      await client.close();
      await orchestrator.close();
    }
  });
});
