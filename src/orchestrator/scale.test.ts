import { describe, expect, it } from 'vitest';
import { seededOrchestrator, seededStore, tableScans } from '../test-support/seeded-store.js';

/** The statements each operation ran, for one store size. */
interface Profile {
  readonly counts: Record<string, number>;
  readonly statements: readonly string[];
  readonly path: string;
}

/** Spawn, send, status, list, terminate, a health sweep, a node sweep and a task list on a store that already holds `stored` instances (a tenth live). */
async function profile(stored: number): Promise<Profile> {
  const seeded = await seededStore(stored, (i) => i % 10 === 0);
  const orchestrator = await seededOrchestrator(seeded, Date.parse('2026-11-25T12:00:00.000Z'));
  const counts: Record<string, number> = {};
  const measure = async (name: string, op: () => Promise<unknown>) => {
    counts[name] = (await seeded.log.during(op)).length;
  };
  let id = '';
  await measure('spawn', async () => {
    id = (await orchestrator.spawnInstance({ name: 'measured' })).instance_id;
  });
  await measure('send', () => orchestrator.sendToInstance({ instance_id: id, message: 'hello' }));
  await measure('status', () => orchestrator.getInstanceStatus({ instance_id: id }));
  await measure('list', () => orchestrator.listInstances());
  await measure('output', () => orchestrator.getInstanceOutput({ instance_id: id }));
  await measure('terminate', () => orchestrator.terminateInstance({ instance_id: id }));
  await measure('health', () => orchestrator.healthCheck());
  await measure('nodes', () => orchestrator.sweepNodes());
  await measure('tasks', () => orchestrator.listTasks({ state: 'completed' }));
  await orchestrator.close();
  return { counts, statements: seeded.log.all, path: seeded.path };
}

describe('work per operation does not grow with stored instances', () => {
  it('spawn, send, status, list, output, terminate, the health sweep and the node sweep run the same statements with 10 and with 5,000 stored, none scanning a table', async () => {
    const small = await profile(10);
    const large = await profile(5_000);
    expect(large.counts).toEqual(small.counts);
    expect(Object.values(small.counts).every((n) => n > 0)).toBe(true);
    // And each statement is a lookup or a bounded index range: no plan scans a table.
    expect(tableScans(large.path, large.statements)).toEqual([]);
  });
});
