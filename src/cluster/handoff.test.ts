import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import type { SendInput } from '../domain/inputs.js';
import { createLogger } from '../observability/logger.js';
import type { SendResult } from '../orchestrator/results.js';
import { STOPPED_HEARTBEAT, type Owner } from '../store/owner.js';
import { startPostgres, type PostgresCluster } from '../test-support/postgres.js';
import { Handoff, type HandoffDeps } from './handoff.js';
import { startJobQueue } from './job-queue.js';

/**
 * Two nodes' hand-offs on one real pg-boss, each node's turns run by a plain function (the orchestrator's local
 * send in production), and the nodes' records in a map (the store's owners in production): what a caller gets
 * back for each way a handed-off send can end.
 */

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

const log = createLogger('error');
// Other hosts: liveness by heartbeat only.
const node = (id: string): Owner => ({ id, host: `host-${id}`, pid: 1, processStart: 'x', startedAt: new Date().toISOString(), address: `http://${id}:8001`, heartbeatAt: new Date().toISOString() });

type RunLocal = HandoffDeps['runLocal'];

async function pair(runOnOwner: RunLocal): Promise<{ caller: Handoff; owner: Owner; owners: Map<string, Owner>; stop: () => Promise<void> }> {
  const url = await cluster.createDatabase();
  const owners = new Map<string, Owner>();
  const store = { getOwner: async (id: string) => owners.get(id), listOwners: async () => [...owners.values()] };
  const make = async (self: Owner, runLocal: RunLocal) => {
    owners.set(self.id, self);
    return Handoff.start({ queue: await startJobQueue(url, log), self, store, log, now: () => Date.now(), deadMs: 3_000, runLocal, pollMs: 20, workPollMs: 20 });
  };
  const owner = node('owner');
  const [caller, worker] = await Promise.all([make(node('caller'), () => Promise.reject(new Error('not here'))), make(owner, runOnOwner)]);
  return { caller, owner, owners, stop: async () => void (await Promise.all([caller.stop(), worker.stop()])) };
}

const input: SendInput = { instance_id: 'inst_1', message: 'hello' };

describe('a send handed to another node', () => {
  it('returns the result the owner ran, with progress: handed to, then running on the node', async () => {
    const { caller, owner, stop } = await pair(async (sent) => ({ instance_id: sent.instance_id, reply: `ran: ${sent.message}` }) as unknown as SendResult);
    try {
      const progress: string[] = [];
      const result = await caller.send(owner, input, { signal: AbortSignal.timeout(30_000), timeoutMs: 30_000, onProgress: (m) => progress.push(m) });
      expect(result).toMatchObject({ instance_id: 'inst_1', reply: 'ran: hello' });
      expect(progress[0]).toBe('handed to node owner');
      expect(progress.every((m) => /^(handed to|running on) node owner$/.test(m))).toBe(true);
    } finally {
      await stop();
    }
  }, 60_000);

  it("fails with the owner's error: the same code, message and details", async () => {
    const { caller, owner, stop } = await pair(async () => {
      throw new OrchestratorError('limit_exceeded', 'Instance inst_1 would pass its budget.', { binding: 'limit:cost' });
    });
    try {
      const failure = await caller.send(owner, input, { signal: AbortSignal.timeout(30_000), timeoutMs: 30_000 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(OrchestratorError);
      expect(failure).toMatchObject({ code: 'limit_exceeded', message: 'Instance inst_1 would pass its budget.', details: { binding: 'limit:cost' } });
    } finally {
      await stop();
    }
  }, 60_000);

  it("the caller's abort reaches the owner's turn", async () => {
    let aborted: (reason: unknown) => void = () => {};
    const ownerSaw = new Promise<unknown>((r) => (aborted = r));
    const { caller, owner, stop } = await pair(
      (_sent, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted(signal.reason);
            reject(signal.reason);
          }),
        ),
    );
    try {
      const controller = new AbortController();
      const sent = caller.send(owner, input, { signal: controller.signal, timeoutMs: 30_000, onProgress: (m) => m.startsWith('running') && controller.abort(new OrchestratorError('cancelled', 'Cancelled by request.')) });
      await expect(sent).rejects.toMatchObject({ code: 'cancelled' });
      expect(await ownerSaw).toMatchObject({ code: 'cancelled' });
    } finally {
      await stop();
    }
  }, 60_000);

  it('is refused as unavailable, naming the node, when that node has no queue (its queue was removed)', async () => {
    const { caller, stop } = await pair(() => Promise.reject(new Error('never runs')));
    try {
      const sent = caller.send(node('ghost'), input, { signal: AbortSignal.timeout(30_000), timeoutMs: 30_000 });
      await expect(sent).rejects.toMatchObject({ code: 'unavailable', details: { instance_id: 'inst_1', node: 'ghost' } });
    } finally {
      await stop();
    }
  }, 60_000);

  it('fails at once when the owner node is gone: interrupted once its turn started there', async () => {
    const { caller, owner, owners, stop } = await pair((_sent, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    try {
      const sent = caller.send(owner, input, {
        signal: AbortSignal.timeout(30_000),
        timeoutMs: 30_000,
        onProgress: (m) => m.startsWith('running') && owners.set(owner.id, { ...owner, heartbeatAt: STOPPED_HEARTBEAT }),
      });
      await expect(sent).rejects.toMatchObject({ code: 'interrupted', details: { node: 'owner', address: 'http://owner:8001' } });
    } finally {
      await stop();
    }
  }, 60_000);
});
