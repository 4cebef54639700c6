import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AskPermission, PermissionRequest } from '../backends/backend.js';
import { randomId } from '../domain/ids.js';
import { silentLogger } from '../observability/logger.js';
import { EventBus, type DomainEvent } from '../orchestrator/events.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { record } from '../test-support/records.js';
import { Approvals } from './approvals.js';

/** Two nodes on one store file: each its own connection, bus and Approvals, as two servers would have. */
const opened: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function node(path: string, owner: string, timeoutMs = 60_000) {
  const store = new SqliteStore(path);
  opened.push(store);
  const events: DomainEvent[] = [];
  const bus = new EventBus((error) => {
    throw error;
  });
  bus.subscribe((event) => events.push(event));
  const approvals = new Approvals({ store, events: bus, log: silentLogger(), now: () => Date.now(), ids: randomId, owner, timeoutMs });
  approvals.start();
  return { store, bus, events, approvals };
}

async function twoNodes(timeoutMs?: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'approvals-')), 'orchestrator.db');
  const a = node(path, 'node-a', timeoutMs);
  const b = node(path, 'node-b', timeoutMs);
  await a.store.transaction(async (tx) => {
    await tx.insertInstance(record('root', { name: 'Lead' }));
    await tx.insertInstance(record('kid', { name: 'Coder', parentId: 'root', depth: 1 }));
  });
  return { a, b, kid: (await a.store.getInstance('kid'))! };
}

const bash: PermissionRequest = { tool: 'Bash', input: { command: 'make' }, reason: 'the policy asks before Bash' };
const noClients = { own: undefined, ofAncestor: () => undefined };
const live = () => new AbortController().signal;

describe('Approvals', () => {
  it('queues an ask no client can answer; another node answers it; "allow for this instance" then lets the tool pass unasked', async () => {
    const { a, b, kid } = await twoNodes();
    const gate = a.approvals.gate(kid, noClients, live());
    const answer = gate(bash, live());
    const [pending] = await vi.waitFor(async () => {
      const list = await b.approvals.pending();
      expect(list).toHaveLength(1);
      return list;
    });
    expect(pending).toMatchObject({ instance_id: 'kid', agent_path: 'Lead (root) → Coder (kid)', tool: 'Bash', node: 'node-a', state: 'pending' });
    await b.approvals.answer(pending!.approval_id, 'allow_instance');
    expect(await answer).toEqual({ allow: true, forInstance: true });
    expect(await gate({ ...bash, input: { command: 'make test' } }, live())).toEqual({ allow: true });
    expect(await b.approvals.pending()).toEqual([]);
    // Liveness hears the ask open and close, with its id; the pass-through ask publishes nothing.
    expect(a.events.filter((e) => e.type.startsWith('approval.')).map((e) => e.type)).toEqual(['approval.waiting', 'approval.settled']);
    expect(a.events[0]).toMatchObject({ instanceId: 'kid', tool: 'Bash', approvalId: pending!.approval_id });
  });

  it("forgets an instance's allowances when it ends", async () => {
    const { a, kid } = await twoNodes();
    const client: AskPermission = async () => ({ allow: true, forInstance: true });
    expect(await a.approvals.gate(kid, { own: client, ofAncestor: () => undefined }, live())(bash, live())).toEqual({ allow: true, forInstance: true });
    a.bus.publish({ type: 'instance.state_changed', at: 'now', instanceId: 'kid', from: 'idle', to: 'terminated', reason: 'requested' });
    const asked: PermissionRequest[] = [];
    const refusing: AskPermission = async (request) => (asked.push(request), { allow: false });
    expect(await a.approvals.gate(kid, { own: refusing, ofAncestor: () => undefined }, live())(bash, live())).toEqual({ allow: false });
    expect(asked[0]?.agentPath).toBe('Lead (root) → Coder (kid)');
  });

  it("asks the client of the nearest ancestor in a turn (its delegation) when the instance has none, and queues the ask when asking fails", async () => {
    const { a, kid } = await twoNodes();
    const rootClient: AskPermission = async () => ({ allow: true });
    // The root is idle: its client's work is not what this turn does, so the ask waits in the queue.
    const idle = a.approvals.gate(kid, { own: undefined, ofAncestor: () => rootClient }, live())(bash, live());
    const [queued] = await vi.waitFor(async () => {
      const list = await a.approvals.pending('kid');
      expect(list).toHaveLength(1);
      return list;
    });
    await a.approvals.answer(queued!.approval_id, 'deny');
    expect((await idle).allow).toBe(false);
    await a.store.transaction((tx) => tx.updateInstance('root', { state: 'busy' }));
    expect(await a.approvals.gate(kid, { own: undefined, ofAncestor: (id) => (id === 'root' ? rootClient : undefined) }, live())(bash, live())).toEqual({ allow: true });

    const gone: AskPermission = async () => {
      throw new Error('session closed');
    };
    const answer = a.approvals.gate(kid, { own: gone, ofAncestor: () => undefined }, live())(bash, live());
    const [pending] = await vi.waitFor(async () => {
      const list = await a.approvals.pending('kid');
      expect(list).toHaveLength(1);
      return list;
    });
    await a.approvals.answer(pending!.approval_id, 'deny');
    expect(await answer).toEqual({ allow: false, message: 'denied by the user' });
  });

  it('closes the ask when the wait ends: denied as unanswered at the bound, or as ended with the turn', async () => {
    const { a, kid } = await twoNodes();
    const bound = new AbortController();
    const unanswered = a.approvals.gate(kid, noClients, live())(bash, bound.signal);
    const [first] = await vi.waitFor(async () => {
      const list = await a.approvals.pending();
      expect(list).toHaveLength(1);
      return list;
    });
    bound.abort();
    await expect(unanswered).rejects.toBeDefined();
    await vi.waitFor(async () => expect(await a.store.getApproval(first!.approval_id)).toMatchObject({ state: 'settled', decision: 'deny', settledReason: 'no answer within 60 s' }));

    const turn = new AbortController();
    const cancelled = a.approvals.gate(kid, noClients, turn.signal)(bash, turn.signal);
    const [second] = await vi.waitFor(async () => {
      const list = await a.approvals.pending();
      expect(list).toHaveLength(1);
      return list;
    });
    turn.abort();
    await expect(cancelled).rejects.toBeDefined();
    await vi.waitFor(async () => expect((await a.store.getApproval(second!.approval_id))?.settledReason).toMatch(/turn ended/));
    expect(await a.approvals.pending()).toEqual([]);
  });

  it('shows an ask put to a client in the queue too: the first answer wins, from either side', async () => {
    const { a, b, kid } = await twoNodes();
    // A client that shows the question and never answers: the queue, here on another node, answers it and withdraws the question.
    let withdrawn = false;
    const silent: AskPermission = (_request, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => ((withdrawn = true), reject(new Error('withdrawn'))), { once: true });
      });
    const asked = a.approvals.gate(kid, { own: silent, ofAncestor: () => undefined }, live())(bash, live());
    const [pending] = await vi.waitFor(async () => {
      const list = await b.approvals.pending('kid');
      expect(list).toHaveLength(1);
      return list;
    });
    await b.approvals.answer(pending!.approval_id, 'allow_once');
    expect(await asked).toEqual({ allow: true, forInstance: false });
    expect(withdrawn).toBe(true);

    // A client that answers: its answer stands, and settles the queued ask so nobody else answers it.
    const refusing: AskPermission = async () => ({ allow: false, message: 'The user answered no.' });
    expect(await a.approvals.gate(kid, { own: refusing, ofAncestor: () => undefined }, live())(bash, live())).toEqual({ allow: false, message: 'The user answered no.' });
    expect(await b.approvals.pending()).toEqual([]);
    const settled = a.events.filter((e) => e.type === 'approval.settled').at(-1) as { approvalId: string } | undefined;
    expect(await a.store.getApproval(settled!.approvalId)).toMatchObject({ state: 'settled', decision: 'deny', settledReason: 'The user answered no.' });
  });

  it('hides an ask a dead node left pending past its bound, and refuses to allow it', async () => {
    const { a } = await twoNodes();
    await a.store.transaction((tx) =>
      tx.addApproval({
        id: 'appr_left', instanceId: 'kid', owner: 'node-gone', path: [], tool: 'Bash', input: {}, reason: 'r', state: 'pending', decision: null, settledReason: null,
        createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:05:00.000Z', settledAt: null,
      }),
    );
    expect(await a.approvals.pending()).toEqual([]);
    await expect(a.approvals.answer('appr_left', 'allow_once')).rejects.toMatchObject({ code: 'invalid_state', message: expect.stringMatching(/expired/) });
  });
});
