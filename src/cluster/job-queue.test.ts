import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { startPostgres, type PostgresCluster } from '../test-support/postgres.js';
import { queueNameOf, startJobQueue, type JobQueue } from './job-queue.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

const log = createLogger('error');

describe('the job queue (pg-boss on the store database)', () => {
  it('nodes starting at the same moment on a new database each get their queue (no start fails on a deadlock)', async () => {
    for (let round = 0; round < 3; round++) {
      const url = await cluster.createDatabase();
      const queues: JobQueue[] = await Promise.all(Array.from({ length: 4 }, () => startJobQueue(url, log)));
      try {
        await Promise.all(queues.map((q, i) => q.createQueue(queueNameOf(`host:${round}:${i}:abcd`))));
        expect((await queues[0]!.queueNames()).sort()).toEqual([0, 1, 2, 3].map((i) => queueNameOf(`host:${round}:${i}:abcd`)).sort());
      } finally {
        await Promise.all(queues.map((q) => q.stop()));
      }
    }
  }, 120_000);

  it('a job is taken once, ends with what its worker wrote, and a queue with jobs in it can be removed, by two nodes at once', async () => {
    const url = await cluster.createDatabase();
    const [caller, owner] = await Promise.all([startJobQueue(url, log), startJobQueue(url, log)]);
    try {
      const name = queueNameOf('vm:1:2:owner');
      await owner.createQueue(name);
      const done = await caller.send(name, { n: 1 }, 30);
      const cancelled = await caller.send(name, { n: 2 }, 30);
      await caller.cancel(name, cancelled);
      const [taken, again] = await Promise.all([owner.fetch<{ n: number }>(name, 5), caller.fetch<{ n: number }>(name, 5)]);
      expect([...taken, ...again].map((j) => j.data.n)).toEqual([1]);
      expect((await caller.get(name, done))?.state).toBe('active');
      await owner.complete(name, done, { reply: 'hi' });
      expect(await caller.get(name, done)).toMatchObject({ state: 'completed', output: { reply: 'hi' } });
      expect((await caller.get(name, cancelled))?.state).toBe('cancelled');
      await caller.send(name, { n: 3 }, 30);
      // Two nodes finding the same node dead remove its queue at the same moment.
      await Promise.all([caller.deleteQueue(name), owner.deleteQueue(name)]);
      expect(await caller.queueNames()).not.toContain(name);
      expect(await caller.get(name, done)).toBeNull();
    } finally {
      await Promise.all([caller.stop(), owner.stop()]);
    }
  }, 120_000);
});
