import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lease } from '../store/store.js';
import type { Session, SessionSpec } from '../backends/backend.js';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { MemoryStore } from '../store/memory-store.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';
import { Orchestrator } from './orchestrator.js';

/** A store whose next transaction fails once `failNext` is set (the store locked, say). */
class FlakyStore extends MemoryStore {
  failNext = false;

  override async transaction<T>(fn: Parameters<MemoryStore['transaction']>[0]): Promise<T> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the store is locked');
    }
    return super.transaction(fn) as Promise<T>;
  }
}

/** A backend whose sessions run `onClose` when closed (and throw what it throws). */
class ClosingBackend extends ScriptedBackend {
  onClose: (spec: SessionSpec) => Promise<void> = async () => undefined;

  override async start(spec: SessionSpec): Promise<Session> {
    const session = await super.start(spec);
    return { ...session, close: () => this.onClose(spec) };
  }
}

function setup(): { orchestrator: Orchestrator; backend: ClosingBackend; store: FlakyStore } {
  const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'term-lease-')) });
  const backend = new ClosingBackend();
  const store = new FlakyStore();
  return { orchestrator: new Orchestrator({ config, backend, store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger() }), backend, store };
}

describe('a terminate holds the instance lease while it cleans up', () => {
  it('holds it during the clean-up (so a restarted server finishes a half-done terminate at once) and releases it with the end', async () => {
    const { orchestrator, backend, store } = setup();
    const { instance_id } = await orchestrator.spawnInstance({ name: 'leased' });
    let during: Lease | null = null;
    backend.onClose = async (spec) => {
      during = await store.leaseOf(spec.instanceId);
    };
    await orchestrator.terminateInstance({ instance_id });
    expect(during).not.toBeNull();
    expect(await store.leaseOf(instance_id)).toBeNull();
    expect((await orchestrator.getInstanceStatus({ instance_id })).state).toBe('terminated');
    await orchestrator.close();
  });

  it('releases it when the terminate cannot be written, leaving the instance terminating for recovery to finish', async () => {
    const { orchestrator, backend, store } = setup();
    const { instance_id } = await orchestrator.spawnInstance({ name: 'stuck' });
    backend.onClose = async () => {
      store.failNext = true;
    };
    await expect(orchestrator.terminateInstance({ instance_id })).rejects.toThrow(/store is locked/);
    expect(await store.leaseOf(instance_id)).toBeNull();
    expect((await orchestrator.getInstanceStatus({ instance_id })).state).toBe('terminating');
    await orchestrator.close();
  });
});
