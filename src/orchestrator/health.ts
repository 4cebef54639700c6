import { toOrchestratorError } from '../domain/errors.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import type { Kernel } from './kernel.js';
import { BATCH, recoverOrphans, type Recovered } from './recovery.js';
import { terminate } from './terminate.js';

export interface HealthReport {
  readonly terminated: string[];
  readonly recovered: string[];
  readonly deleted: number;
}

/**
 * The health check: takes back what dead servers left, lets each active backend check its own (e.g. agents
 * of a dead server), ends idle instances whose lifetime ran out (busy ones are bounded by their turn), and
 * deletes instances and tasks that ended past the retention period. Every step is an index range.
 */
export async function healthCheck(k: Kernel, tasks: TaskRegistry, running: (instanceId: string) => boolean): Promise<HealthReport> {
  const recovered = await recover(k, tasks, running);
  await k.holds.retryDeferred();
  await Promise.all((await k.backends.active()).map((b) => b.healthCheck?.()));
  const terminated = await enforceLifetimes(k, running);
  const cutoff = new Date(k.clock.now() - k.config.retentionDays * 86_400_000).toISOString();
  const deleted = await k.store.transaction(async (tx) => {
    await tx.deleteTasksFinishedBefore(cutoff, BATCH);
    return tx.deleteEndedBefore(cutoff, BATCH);
  });
  return { terminated, recovered: recovered.instances, deleted };
}

/** Recovery with a log line when it found anything. */
export async function recover(k: Kernel, tasks: TaskRegistry, running: (instanceId: string) => boolean): Promise<Recovered> {
  const result = await recoverOrphans(k, tasks, running);
  if (result.instances.length > 0 || result.tasks.length > 0 || result.holds > 0) k.log.warn(result, 'recovered work left by a server that stopped');
  return result;
}

/** Terminates idle instances whose lifetime (timeout_minutes) ran out. */
export async function enforceLifetimes(k: Kernel, running: (instanceId: string) => boolean): Promise<string[]> {
  const ended: string[] = [];
  for (const r of await k.store.expiredIdle(k.clock.now(), BATCH)) {
    if (running(r.id)) continue;
    try {
      await terminate(k, r.id, 'timeout');
      ended.push(r.id);
    } catch (error) {
      k.log.error({ instanceId: r.id, err: toOrchestratorError(error).message }, 'limit enforcement failed');
    }
  }
  return ended;
}
