import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('budgets that hold', () => {
  it('50 concurrent sends against one global budget never overshoot it', async () => {
    // Each turn costs about $0.0007 on the simulator; the budget fits only some of the 50.
    const budgetUsd = 0.01;
    const orchestrator = simulatorOrchestrator(sim.url, { maxInstances: 60, maxTotalCostUsd: budgetUsd, maxOutputTokens: 200 });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await orchestrator.spawnInstance({ name: `w${i}` })).instance_id);
    const outcomes = await Promise.allSettled(ids.map((instance_id) => orchestrator.sendToInstance({ instance_id, message: 'Summarise the plan in one line.' })));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(OrchestratorError);
      expect((r.reason as OrchestratorError).code).toBe('limit_exceeded');
    }
    const spent = (await orchestrator.totals()).cost_usd;
    expect(spent).toBeLessThanOrEqual(budgetUsd);
    // Exactly what the turns that ran cost: nothing was charged for refused ones.
    const sum = ok.reduce((s, o) => s + ((o as PromiseFulfilledResult<{ cost_usd: number | null }>).value.cost_usd ?? 0), 0);
    expect(spent).toBeCloseTo(sum, 12);
    await orchestrator.close();
  });

  it("counts a child's spend toward its parent's budget", async () => {
    const orchestrator = simulatorOrchestrator(sim.url, { maxOutputTokens: 300 });
    const parent = await orchestrator.spawnInstance({ name: 'lead', max_total_tokens: 3000 });
    const child = await orchestrator.spawnInstance({ name: 'helper', parent_id: parent.instance_id, max_total_tokens: 100_000 });
    // The child has its own large budget, but the parent's subtree budget binds it.
    let turns = 0;
    let refusal: OrchestratorError | undefined;
    while (!refusal && turns < 50) {
      try {
        await orchestrator.sendToInstance({ instance_id: child.instance_id, message: 'Add one more detail.' });
        turns++;
      } catch (error) {
        refusal = error as OrchestratorError;
      }
    }
    expect(refusal?.code).toBe('limit_exceeded');
    expect(refusal?.message).toMatch(new RegExp(`ancestor ${parent.instance_id}`));
    const parentView = (await orchestrator.getInstanceStatus({ instance_id: parent.instance_id }));
    const childView = (await orchestrator.getInstanceStatus({ instance_id: child.instance_id }));
    expect(parentView.usage.total_tokens + childView.usage.total_tokens).toBeLessThanOrEqual(3000);
    expect(turns).toBeGreaterThan(0);
    await orchestrator.close();
  });
});
