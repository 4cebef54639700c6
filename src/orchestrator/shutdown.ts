import type { Handoff } from '../cluster/handoff.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import type { Kernel } from './kernel.js';
import type { NodeWatch } from './node-watch.js';
import type { Turns } from './turn.js';

/** What an orchestrator stops when it closes. */
export interface ShutdownParts {
  readonly k: Kernel;
  readonly turns: Pick<Turns, 'inFlight'>;
  readonly tasks: TaskRegistry;
  /** The hand-off to other nodes, if it was started. */
  readonly handoff: () => Handoff | undefined;
  readonly nodes: NodeWatch;
  /** Cancels what still runs (the orchestrator's shutdown signal). */
  readonly abort: (reason: OrchestratorError) => void;
}

/**
 * The shutdown sequence: lets running turns finish for up to `graceMs`, then cancels the rest, ends running
 * tasks as `interrupted`, and closes the hand-off, sessions, backends, this node and the store.
 */
export async function shutDown(parts: ShutdownParts, graceMs: number): Promise<void> {
  const { k, tasks, nodes } = parts;
  // Sends other nodes hand over wait in this node's queue; their callers see it stopped.
  await parts.handoff()?.drain();
  const inFlight = parts.turns.inFlight;
  if (graceMs > 0 && inFlight.size > 0) {
    k.log.info({ turns: inFlight.size, graceMs }, 'letting running turns finish');
    // The turns, and the tasks waiting on them, so a finished turn's answer reaches its caller.
    const finished = Promise.allSettled([...inFlight]).then(() => tasks.settled());
    await Promise.race([finished, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
  parts.abort(new OrchestratorError('cancelled', 'The orchestrator is shutting down.'));
  await tasks.interruptAll('The server shut down while this task ran.');
  await Promise.allSettled([...inFlight]);
  await parts.handoff()?.stop().catch((error: unknown) => k.log.warn({ err: toOrchestratorError(error).message }, 'could not stop the job queue'));
  await k.sessions.closeAll();
  await Promise.allSettled(k.backends.loaded().map((b) => b.shutdown?.()));
  await tasks.flush();
  // Heartbeats go on while turns finish (a grace longer than NODE_DEAD_SECONDS must not look like a death).
  await nodes.stop();
  await nodes.markStopped().catch((error: unknown) => k.log.warn({ err: toOrchestratorError(error).message }, 'could not mark this node stopped'));
  await k.store.close();
}
