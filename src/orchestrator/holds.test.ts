import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../config/load-config.js';
import { OrchestratorError } from '../domain/errors.js';
import type { ParsedRequest, ReplySpec, RunningSimulator } from '../simulator/simulator.js';
import { startSimulator } from '../simulator/simulator.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { simulatorOrchestrator } from '../test-support/orchestrator-fixture.js';
import type { DomainEvent } from './events.js';
import type { Orchestrator } from './orchestrator.js';
import type { SendResult } from './results.js';

/**
 * Budgets held per model call, on the real stack: the real API backend against the simulator, the SQLite
 * store, turns that make several calls (delegation tool loops), many at once, and two servers on one store.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.setScript([]);
});

const toolResults = (request: ParsedRequest): number => request.messages.filter((m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_result')).length;
const use = (name: string): ReplySpec => ({ content: [{ type: 'tool_use', name, input: {} }] });

/** A delegating instance's turn of `calls` model calls: list_children until the last call, which answers. */
function loopOf(calls: number, onCall?: (index: number) => void) {
  return [
    {
      match: { tool: 'list_children' },
      reply: (request: ParsedRequest): ReplySpec => {
        const done = toolResults(request);
        onCall?.(done);
        return done < calls - 1 ? use('list_children') : `Checked my children ${done} times.`;
      },
    },
  ];
}

/** Every settled call, counted from the event stream. */
function settledCalls(orchestrator: Orchestrator): DomainEvent[] {
  const seen: DomainEvent[] = [];
  orchestrator.events.subscribe((e) => {
    if (e.type === 'call.settled') seen.push(e);
  });
  return seen;
}

async function team(orchestrator: Orchestrator, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await orchestrator.spawnInstance({ name: `lead ${i}`, allow_delegation: true, ...extra })).instance_id);
  return ids;
}

describe('budgets held per model call', () => {
  it.each([
    ['MAX_OUTPUT_TOKENS=200', { maxOutputTokens: 200 }],
    ['the default output cap', {}],
  ] as Array<[string, Partial<Config>]>)('20 delegating turns of 8 calls against a $0.01 budget never spend past it (%s)', async (_label, overrides) => {
    const orchestrator = simulatorOrchestrator(sim.url, { maxInstances: 30, maxTotalCostUsd: 0.01, ...overrides });
    const settled = settledCalls(orchestrator);
    sim.setScript(loopOf(8));
    const ids = await team(orchestrator, 20);
    const outcomes = await Promise.allSettled(ids.map((instance_id) => orchestrator.sendToInstance({ instance_id, message: 'Check on your children.' })));
    const totals = await orchestrator.totals();
    expect(totals.cost_usd).toBeLessThanOrEqual(0.01);
    expect(totals.in_flight_cost_usd).toBe(0);
    // Every call that reached the API was held first and charged after: none slipped past the budget.
    expect(settled).toHaveLength(sim.requests.length);
    expect(sim.requests.length).toBeGreaterThan(0);
    // The budget did bind: turns were stopped at their next call, or refused before their first.
    const stopped = outcomes.filter((o) => o.status === 'fulfilled' && o.value.stop_reason === 'budget_exhausted');
    const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as OrchestratorError).code === 'limit_exceeded');
    expect(stopped.length + refused.length).toBeGreaterThan(0);
    expect(stopped.length + refused.length + outcomes.filter((o) => o.status === 'fulfilled' && o.value.stop_reason === 'end_turn').length).toBe(20);
    // A turn stopped by the budget keeps what it produced and what it was charged.
    for (const o of stopped) expect((o as PromiseFulfilledResult<SendResult>).value.model_calls).toBeGreaterThan(0);
    await orchestrator.close();
  });

  it('20 delegating turns of 8 calls against $0.50 all complete: calls in flight make the others wait, not fail', async () => {
    const orchestrator = simulatorOrchestrator(sim.url, { maxInstances: 30, maxTotalCostUsd: 0.5 });
    sim.setScript(loopOf(8));
    const ids = await team(orchestrator, 20);
    const results = await Promise.all(ids.map((instance_id) => orchestrator.sendToInstance({ instance_id, message: 'Check on your children.' })));
    expect(results.map((r) => [r.stop_reason, r.model_calls])).toEqual(ids.map(() => ['end_turn', 8]));
    const totals = await orchestrator.totals();
    // Each call holds far more than it spends (the default 8,192-token cap), so only a few fit the budget at once.
    expect(totals.cost_usd).toBeLessThan(0.5);
    expect(totals.cost_usd).toBeCloseTo(results.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0), 9);
    expect(totals.in_flight_cost_usd).toBe(0);
    await orchestrator.close();
  });

  it('charges a failed multi-call turn for the calls it finished, and keeps them in its history', async () => {
    const orchestrator = simulatorOrchestrator(sim.url);
    const settled = settledCalls(orchestrator);
    // The fourth call of the turn fails (a 500, and this backend does not retry).
    sim.setScript(loopOf(8, (index) => (index === 2 ? sim.injectFaults([{ kind: 'status', status: 500 }]) : undefined)));
    const [instance_id = ''] = await team(orchestrator, 1);
    await expect(orchestrator.sendToInstance({ instance_id, message: 'Check on your children.' })).rejects.toMatchObject({ code: 'backend_unavailable' });
    expect(sim.requests).toHaveLength(4);
    expect(settled).toHaveLength(3);
    const status = await orchestrator.getInstanceStatus({ instance_id });
    const charged = settled.reduce((sum, e) => sum + (e.type === 'call.settled' ? e.usage.inputTokens + e.usage.outputTokens : 0), 0);
    expect(status.usage.total_tokens).toBe(charged);
    expect(status.cost_usd).toBeGreaterThan(0);
    expect(status).toMatchObject({ turns: 0, error_count: 1, in_flight: { tokens: 0 } });
    const [failed] = (await orchestrator.getInstanceOutput({ instance_id })).messages;
    expect(failed).toMatchObject({ role: 'user', failed: true, usage: { total_tokens: charged }, cost_usd: status.cost_usd });
    await orchestrator.close();
  });

  it('50 concurrent sends on one instance tree never pass the root budget', async () => {
    const orchestrator = simulatorOrchestrator(sim.url, { maxChildrenPerParent: 5 });
    const root = (await orchestrator.spawnInstance({ name: 'root', max_total_tokens: 4_000, max_cost: 0.02 })).instance_id;
    const children: string[] = [];
    for (let i = 0; i < 5; i++) children.push((await orchestrator.spawnInstance({ name: `child ${i}`, parent_id: root })).instance_id);
    const sends = Array.from({ length: 50 }, (_, i) => orchestrator.sendToInstance({ instance_id: children[i % 5] ?? '', message: `Part ${i}: one line, please.` }));
    const outcomes = await Promise.allSettled(sends);
    const view = await orchestrator.getInstanceStatus({ instance_id: root });
    expect(view.subtree.total_tokens).toBeLessThanOrEqual(4_000);
    expect(view.subtree.cost_usd ?? 0).toBeLessThanOrEqual(0.02);
    expect(view.in_flight).toEqual({ tokens: 0, cost_usd: 0 });
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(ok).toBeGreaterThan(0);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as OrchestratorError).message).toMatch(new RegExp(`ancestor ${root}`));
    // The children keep their own (large) budgets: a shared limit ends no one.
    for (const id of children) expect((await orchestrator.getInstanceStatus({ instance_id: id })).state).toBe('idle');
    await orchestrator.close();
  });

  it('50 concurrent sends on two servers sharing one store never pass the global budget', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'shared-')), 'orchestrator.db');
    const settings = { maxInstances: 60, maxTotalCostUsd: 0.01, maxOutputTokens: 300 };
    const one = simulatorOrchestrator(sim.url, settings, {}, new SqliteStore(path));
    const two = simulatorOrchestrator(sim.url, settings, {}, new SqliteStore(path));
    const ids = [...(await team(one, 25, { allow_delegation: false })), ...(await team(two, 25, { allow_delegation: false }))];
    const outcomes = await Promise.allSettled(ids.map((instance_id, i) => (i < 25 ? one : two).sendToInstance({ instance_id, message: 'Summarise the plan in one line.' })));
    const totals = await one.totals();
    expect(totals.cost_usd).toBeLessThanOrEqual(0.01);
    expect(totals.in_flight_cost_usd).toBe(0);
    const ok = outcomes.filter((o): o is PromiseFulfilledResult<SendResult> => o.status === 'fulfilled');
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThan(50);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as OrchestratorError).code).toBe('limit_exceeded');
    // What both servers see spent is exactly what the turns that ran cost.
    expect(totals.cost_usd).toBeCloseTo(ok.reduce((sum, o) => sum + (o.value.cost_usd ?? 0), 0), 9);
    expect((await two.totals()).cost_usd).toBe(totals.cost_usd);
    await one.close();
    await two.close();
  });
});
