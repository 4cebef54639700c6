import type PgBoss from 'pg-boss';
import type { Logger } from '../observability/logger.js';

/** The schema pg-boss keeps its queues and jobs in, next to the store's tables on the same database. */
export const JOB_SCHEMA = 'pgboss';

/** A job's state as pg-boss records it. */
export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobSnapshot<T = object> {
  readonly id: string;
  readonly state: JobState;
  readonly data: T;
  /** What the job was completed or failed with. */
  readonly output: unknown;
}

/**
 * The few operations of a PostgreSQL job queue (pg-boss) the hand-off between nodes uses. pg-boss is loaded
 * here only, when a node on a PostgreSQL store starts; it creates and migrates its own schema.
 */
export interface JobQueue {
  createQueue(name: string): Promise<void>;
  /** The names of the queues there are (one per node that ever started: a handful). */
  queueNames(): Promise<string[]>;
  /** Removes a queue and its jobs. */
  deleteQueue(name: string): Promise<void>;
  /** Queues a job that runs at most once (no retry), expiring `expireInSeconds` after it starts. */
  send(name: string, data: object, expireInSeconds: number): Promise<string>;
  /** Takes up to `count` waiting jobs (they become active; no other worker gets them). */
  fetch<T>(name: string, count: number): Promise<JobSnapshot<T>[]>;
  get<T>(name: string, id: string): Promise<JobSnapshot<T> | null>;
  complete(name: string, id: string, output: object): Promise<void>;
  fail(name: string, id: string, output: object): Promise<void>;
  cancel(name: string, id: string): Promise<void>;
  stop(): Promise<void>;
}

/** The start of every node's queue name (other queues on the database are left alone). */
export const QUEUE_PREFIX = 'node_';

/** The queue a node works: its owner id, made a valid pg-boss queue name. */
export function queueNameOf(nodeId: string): string {
  return `${QUEUE_PREFIX}${nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * pg-boss's schema changes (creating its schema, a queue's partition table attached to its job table) can
 * deadlock with another node's doing the same at the same moment (PostgreSQL then aborts one of them, 40P01):
 * the aborted one is run again after a short random pause.
 */
export async function retryDeadlock<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: unknown }).code !== '40P01' || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}

export async function startJobQueue(url: string, log: Logger): Promise<JobQueue> {
  const { default: Boss } = await import('pg-boss');
  // A pg-boss that failed to start can't be started again: each attempt has its own.
  const boss = await retryDeadlock(async () => {
    const attempt = newBoss(Boss, url, log);
    try {
      return await attempt.start();
    } catch (error) {
      await attempt.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw error;
    }
  });
  const snapshot = <T>(job: PgBoss.JobWithMetadata<T>): JobSnapshot<T> => ({ id: job.id, state: job.state, data: job.data, output: job.output });
  return {
    createQueue: (name) => retryDeadlock(() => boss.createQueue(name)),
    queueNames: async () => (await boss.getQueues()).map((q) => q.name),
    async deleteQueue(name) {
      // Its jobs first (pg-boss 10 refuses to delete a queue that still has some: its foreign key restricts), then
      // the queue if it is still there, in one transaction (one simple query is one) under a lock: several nodes
      // finding the same node dead remove its queue one after the other, the later ones finding nothing to do.
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Not a node's queue name: ${name}`);
      const sql =
        `SELECT pg_advisory_xact_lock(hashtext('${JOB_SCHEMA}.delete_queue')); ` +
        `DELETE FROM ${JOB_SCHEMA}.job WHERE name = '${name}'; ` +
        `SELECT ${JOB_SCHEMA}.delete_queue(name) FROM ${JOB_SCHEMA}.queue WHERE name = '${name}'`;
      await retryDeadlock(() => boss.getDb().executeSql(sql, []));
    },
    async send(name, data, expireInSeconds) {
      const id = await boss.send(name, data, { retryLimit: 0, expireInSeconds: Math.max(1, Math.ceil(expireInSeconds)) });
      if (id === null) throw new Error(`The job queue ${name} refused the job.`);
      return id;
    },
    async fetch<T>(name: string, count: number) {
      const jobs = await boss.fetch<T>(name, { batchSize: count, includeMetadata: true });
      return jobs.map((j) => snapshot(j));
    },
    async get<T>(name: string, id: string) {
      const job = await boss.getJobById<T>(name, id);
      return job ? snapshot(job) : null;
    },
    complete: (name, id, output) => boss.complete(name, id, output),
    fail: (name, id, output) => boss.fail(name, id, output),
    cancel: (name, id) => boss.cancel(name, id),
    stop: () => boss.stop({ graceful: false, wait: true, timeout: 5_000 }),
  };
}

/** A pg-boss on the store's database, in its own schema; finished jobs are kept briefly (the conversation is in the store). */
function newBoss(Boss: typeof PgBoss, url: string, log: Logger): PgBoss {
  const boss = new Boss({
    connectionString: url,
    schema: JOB_SCHEMA,
    max: 4,
    schedule: false,
    application_name: 'claude-orchestrator-jobs',
    archiveCompletedAfterSeconds: 3600,
    archiveFailedAfterSeconds: 3600,
    deleteAfterDays: 1,
  });
  // Without a listener an 'error' event would end the process; a failing maintenance query is only worth a warning.
  boss.on('error', (error: Error) => log.warn({ err: error.message }, 'job queue error'));
  return boss;
}
