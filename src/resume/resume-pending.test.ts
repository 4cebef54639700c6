import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StoredTask } from '../store/store.js';
import { record } from '../test-support/records.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';

/**
 * Tasks a stopping server ended `interrupted` and marked to resume: the next server's start-up resumes those
 * it may (a send whose turn had not begun), leaves the others interrupted for good, and with
 * RESUME_INTERRUPTED=false touches none.
 */

const at = '2026-11-25T12:00:00.000Z';
let orchestrator: Orchestrator | undefined;
afterEach(async () => {
  await orchestrator?.close();
  orchestrator = undefined;
});

function pendingSend(id: string, message: string): StoredTask {
  return {
    id,
    kind: 'send',
    state: 'interrupted',
    label: 'send',
    owner: 'gone:1:1',
    request: { tool: 'send_to_instance', arguments: { instance_id: 'inst_a', message } },
    progress: { message: 'started', completed_turns: 0, total_turns: null, tokens: 0, updated_at: at, resume_pending: true },
    result: undefined,
    error: { code: 'interrupted', message: 'The server shut down while this task ran.' },
    createdAt: at,
    finishedAt: at,
  };
}

/** A store with instance inst_a, whose conversation holds `begun` (a turn that began and was interrupted), and two pending sends. */
async function seeded(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.transaction(async (tx) => {
    await tx.insertInstance(record('inst_a'));
    await tx.appendMessage('inst_a', { role: 'user', content: 'begun', at, failed: true, error: 'Interrupted: the server shut down.' });
    await tx.saveTask(pendingSend('task_begun', 'begun'));
    await tx.saveTask(pendingSend('task_queued', 'queued'));
  });
  return store;
}

function start(store: MemoryStore, resumeInterrupted: boolean): { orchestrator: Orchestrator; backend: ScriptedBackend } {
  const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')), resumeInterrupted });
  const backend = new ScriptedBackend();
  orchestrator = new Orchestrator({ config, backend, store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger(), clock: { now: () => Date.parse(at) + 60_000 } });
  return { orchestrator, backend };
}

describe('tasks interrupted by a shutdown, marked to resume', () => {
  it('a send whose turn had not begun runs again at start-up; one whose turn had begun stays interrupted, no longer marked', async () => {
    const store = await seeded();
    const { orchestrator, backend } = start(store, true);
    await orchestrator.ready();
    const done = await orchestrator.tasks.wait('task_queued', 30_000);
    expect(done).toMatchObject({ state: 'completed', result: { reply: 'reply 1' } });
    expect(backend.calls.map((c) => c.input.message)).toEqual(['queued']);
    expect(await store.getTask('task_begun')).toMatchObject({ state: 'interrupted', progress: expect.not.objectContaining({ resume_pending: true }) });
    expect((await store.getTask('task_queued'))?.progress).toMatchObject({ resumes: 1 });
  });

  it('RESUME_INTERRUPTED=false leaves them as they are', async () => {
    const store = await seeded();
    const { orchestrator, backend } = start(store, false);
    await orchestrator.ready();
    expect(await orchestrator.tasks.get('task_queued')).toMatchObject({ state: 'interrupted' });
    expect((await store.getTask('task_begun'))?.progress).toMatchObject({ resume_pending: true });
    expect(backend.calls).toEqual([]);
  });
});
