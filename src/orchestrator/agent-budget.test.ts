import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_EXHAUSTED } from '../backends/call-budget.js';
import { totalTokens } from '../domain/usage.js';
import { createOrchestrator } from '../library.js';
import { agentScript, ClaudeCodeKit, TEST_API_KEY } from '../test-support/claude-code-kit.js';
import type { DomainEvent } from './events.js';

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const LOOP = 'LOOP-FOREVER-4b1d';

describe('budgets of Claude Code agents, through the orchestrator', () => {
  it("holds every model call of an agent against its instance's budget: an agent asked to loop past it is stopped there", async () => {
    // A model that never stops: every tool result it gets asks for the same command again.
    const again = { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: `echo ${LOOP}-again`, description: 'loop' } }] };
    kit.sim.setScript(agentScript([{ match: { lastUser: LOOP }, reply: again }]));
    const orchestrator = createOrchestrator({
      env: {},
      config: { workspaceDir: realpathSync(mkdtempSync(join(tmpdir(), 'agent-budget-'))), apiKey: TEST_API_KEY, baseUrl: kit.sim.url, healthCheckIntervalSeconds: 3600 },
    });
    const settled: Array<Extract<DomainEvent, { type: 'call.settled' }>> = [];
    orchestrator.events.subscribe((e) => {
      if (e.type === 'call.settled') settled.push(e);
    });
    try {
      const limit = 80_000;
      const { instance_id } = await orchestrator.spawnInstance({ name: 'looper', backend: 'claude-code', max_total_tokens: limit, permissions: { allowed_tools: ['Bash(echo:*)'] } });
      kit.sim.reset();
      const result = await orchestrator.sendToInstance({ instance_id, message: `${LOOP} until told to stop` });

      // Stopped by its budget, with what it did kept: each of its calls ran its command and was charged.
      expect(result.stop_reason).toBe(BUDGET_EXHAUSTED);
      expect(result.model_calls).toBeGreaterThan(1);
      expect(result.model_calls).toBe(settled.length);
      expect(result.tool_calls?.length).toBe(settled.length);
      expect(result.warnings.join()).toMatch(/budget had no room left/);
      // Every call that reached the API was held first and settled after; the refused one never reached it.
      expect(kit.sim.requests).toHaveLength(settled.length);
      const charged = settled.reduce((sum, e) => sum + totalTokens(e.usage), 0);
      const status = await orchestrator.getInstanceStatus({ instance_id });
      expect(status.usage.total_tokens).toBe(charged);
      expect(result.usage.total_tokens).toBe(charged);
      expect(charged).toBeLessThanOrEqual(limit);
      expect(status.in_flight).toEqual({ tokens: 0, cost_usd: 0 });
      // What is left can't take another agent call (its own prompt alone is ~15k tokens): the instance ends at its limit.
      expect(status).toMatchObject({ state: 'terminated', state_reason: 'limit:tokens' });
      expect((await orchestrator.totals()).in_flight_cost_usd).toBe(0);
    } finally {
      kit.sim.setScript(agentScript());
      await orchestrator.close();
    }
  });
});
