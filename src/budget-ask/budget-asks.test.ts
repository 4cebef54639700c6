import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../domain/instance.js';
import type { SpentBudget } from '../orchestrator/budget.js';
import { EventBus, type DomainEvent } from '../orchestrator/events.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { BudgetAsks } from './budget-asks.js';
import type { AskBudget, BudgetQuestion } from './budget-question.js';
import { GlobalBudget } from './global-budget.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.orchestrator.close();
  fx = undefined;
});

async function setup(timeoutMs = 60_000): Promise<{ asks: BudgetAsks; record: InstanceRecord; events: DomainEvent[]; global: GlobalBudget; fx: Fixture }> {
  fx = orchestratorFixture();
  const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'ana', max_total_tokens: 1000 });
  const record = (await fx.store.getInstance(instance_id)) as InstanceRecord;
  const events: DomainEvent[] = [];
  const bus = new EventBus(() => undefined);
  bus.subscribe((e) => events.push(e));
  const global = new GlobalBudget(1);
  const asks = new BudgetAsks({ store: fx.store, events: bus, global, now: () => Date.now(), timeoutMs });
  return { asks, record, events, global, fx };
}

const tokens = (id: string): SpentBudget => ({ instanceId: id, kind: 'tokens', limit: 1000, spent: 990, needed: 300, wanted: 900 });
const never = new AbortController().signal;

describe('BudgetAsks', () => {
  it('asks once for concurrent refusals by the same budget, and every waiter goes on after the one raise', async () => {
    const { asks, record, events, fx } = await setup();
    const questions: BudgetQuestion[] = [];
    let answer!: (add: number) => void;
    const ask: AskBudget = (question) => {
      questions.push(question);
      return new Promise((resolve) => (answer = (add) => resolve({ action: 'accept', add })));
    };
    const first = asks.ask(record, tokens(record.id), ask, never);
    const second = asks.ask(record, tokens(record.id), ask, never);
    await expect.poll(() => questions.length).toBe(1);
    answer(500);
    expect(await Promise.all([first, second])).toEqual([{ raised: true }, { raised: true }]);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatchObject({ unit: 'tokens', minimum: 300, proposed: 900 });
    expect((await fx.store.getInstance(record.id))?.limits.maxTotalTokens).toBe(1500);
    expect(events.filter((e) => e.type.startsWith('budget.'))).toEqual([expect.objectContaining({ type: 'budget.raised', from: 1000, to: 1500 })]);
    // Each waiting call shows its instance waiting for the user's answer (liveness: waiting_for_approval).
    expect(events.filter((e) => e.type === 'approval.waiting')).toEqual([
      expect.objectContaining({ instanceId: record.id, tool: 'raise_budget' }),
      expect.objectContaining({ instanceId: record.id, tool: 'raise_budget' }),
    ]);
    expect(events.filter((e) => e.type === 'approval.settled').map((e) => e.type === 'approval.settled' && e.allowed)).toEqual([true, true]);
  });

  it('raises by at least what the call needs, whatever smaller number came back', async () => {
    const { asks, record, fx } = await setup();
    expect(await asks.ask(record, tokens(record.id), async () => ({ action: 'accept', add: 1 }), never)).toEqual({ raised: true });
    expect((await fx.store.getInstance(record.id))?.limits.maxTotalTokens).toBe(1300);
  });

  it('counts an unanswered question as no at its timeout, and says so', async () => {
    const { asks, record, events } = await setup(20);
    const hang: AskBudget = (_q, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    const outcome = await asks.ask(record, tokens(record.id), hang, never);
    expect(outcome).toEqual({ raised: false, why: expect.stringMatching(/nobody answered within \d+ s \(BUDGET_ASK_TIMEOUT_SECONDS\)/) });
    expect(events.filter((e) => e.type.startsWith('budget.'))).toEqual([expect.objectContaining({ type: 'budget.declined', answer: 'timeout' })]);
  });

  it('withdraws the question when the only call waiting for it is cancelled', async () => {
    const { asks, record } = await setup();
    const cancel = new AbortController();
    let asked = false;
    let withdrawn = false;
    const ask: AskBudget = (_q, signal) => {
      asked = true;
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          withdrawn = true;
          resolve({ action: 'cancel' });
        }),
      );
    };
    const waiting = asks.ask(record, tokens(record.id), ask, cancel.signal);
    await expect.poll(() => asked).toBe(true);
    cancel.abort();
    expect(await waiting).toMatchObject({ raised: false });
    await expect.poll(() => withdrawn).toBe(true);
  });

  it('raises the global budget on this server, and declines are told apart from failures', async () => {
    const { asks, record, global, events } = await setup();
    const spentGlobal: SpentBudget = { instanceId: null, kind: 'cost', limit: 1e9, spent: 1e9, needed: 2_000_000, wanted: 50_000_000 };
    expect(await asks.ask(record, spentGlobal, async (q) => ({ action: 'accept', add: q.proposed }), never)).toEqual({ raised: true });
    expect(global.usd).toBeCloseTo(1.5, 9);
    expect(await asks.ask(record, spentGlobal, async () => ({ action: 'decline' }), never)).toEqual({ raised: false, why: 'the user declined' });
    expect(await asks.ask(record, spentGlobal, async () => Promise.reject(new Error('client gone')), never)).toEqual({ raised: false, why: 'the question failed (client gone)' });
    expect(events.filter((e) => e.type.startsWith('budget.')).map((e) => (e.type === 'budget.declined' ? e.answer : e.type))).toEqual(['budget.raised', 'decline', 'failed']);
  });
});
