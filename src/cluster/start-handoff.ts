import type { Logger } from '../observability/logger.js';
import type { Owner } from '../store/owner.js';
import { Handoff, type HandoffDeps } from './handoff.js';
import { startJobQueue } from './job-queue.js';

/**
 * A node's hand-off on a PostgreSQL store: pg-boss on the same database (its own schema, created by pg-boss),
 * this node's queue, worked until `stop`. Loaded only for a PostgreSQL store (see Orchestrator).
 */
export async function startHandoff(
  url: string,
  parts: { self: Owner; store: HandoffDeps['store']; log: Logger; now: () => number; deadMs: number; runLocal: HandoffDeps['runLocal'] },
): Promise<Handoff> {
  const queue = await startJobQueue(url, parts.log);
  try {
    return await Handoff.start({ queue, ...parts });
  } catch (error) {
    await queue.stop().catch(() => undefined);
    throw error;
  }
}
