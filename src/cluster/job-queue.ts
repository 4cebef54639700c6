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

/** The queue a node works: its owner id, made a valid pg-boss queue name. */
export function queueNameOf(nodeId: string): string {
  return `node_${nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export async function startJobQueue(url: string, log: Logger): Promise<JobQueue> {
  const { default: Boss } = await import('pg-boss');
  const boss = new Boss({ connectionString: url, schema: JOB_SCHEMA, max: 4, schedule: false, application_name: 'claude-orchestrator-jobs' });
  // Without a listener an 'error' event would end the process; a failing maintenance query is only worth a warning.
  boss.on('error', (error: Error) => log.warn({ err: error.message }, 'job queue error'));
  await boss.start();
  const snapshot = <T>(job: PgBoss.JobWithMetadata<T>): JobSnapshot<T> => ({ id: job.id, state: job.state, data: job.data, output: job.output });
  return {
    createQueue: (name) => boss.createQueue(name),
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
