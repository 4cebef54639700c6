import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';
import { MemoryStore } from '../store/memory-store.js';
import type { InstancePatch, Store, Tx } from '../store/store.js';
import { bound } from '../test-support/bound.js';
import { ScriptedBackend } from '../test-support/scripted-backend.js';
import { Orchestrator } from './orchestrator.js';

/**
 * A store whose transactions run `fault` on every state patch first (and `onRelease` on every lease release):
 * the kernel seeing a write fail in the middle of a transaction.
 */
function faultyStore(inner: Store, fault: (patch: InstancePatch) => void, onRelease: () => void = () => undefined): Store {
  const wrapTx = (tx: Tx): Tx =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'releaseLease') {
          return (id: string, owner: string) => {
            onRelease();
            return target.releaseLease(id, owner);
          };
        }
        if (prop !== 'patchInstance') return bound(target, prop, receiver);
        return (current: Parameters<Tx['patchInstance']>[0], patch: InstancePatch) => {
          fault(patch);
          return target.patchInstance(current, patch);
        };
      },
    });
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return bound(target, prop, receiver);
      return <T,>(fn: (tx: Tx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
    },
  });
}

describe('a store write that fails at the end of a turn', () => {
  it('leaves no lease behind: the turn fails, its calls stay charged, and the next health check makes the instance usable again', async () => {
    let failOnce = true;
    const store = faultyStore(new MemoryStore(), (patch) => {
      if (patch.state === 'idle' && patch.stateReason === 'turn_finished' && failOnce) {
        failOnce = false;
        throw new Error('disk I/O error');
      }
    });
    const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'faults-')) });
    const orchestrator = new Orchestrator({ config, backend: new ScriptedBackend(), store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger() });
    const { instance_id } = await orchestrator.spawnInstance({ name: 'x' });
    await expect(orchestrator.sendToInstance({ instance_id, message: 'one' })).rejects.toThrow(/disk I\/O error/);
    // Rolled back to the turn's start: busy, its message kept, its call charged (settled before the reply).
    expect(await orchestrator.getInstanceStatus({ instance_id })).toMatchObject({ state: 'busy', usage: { total_tokens: 15 } });
    expect(await store.leaseOf(instance_id)).toBeNull();
    const { recovered } = await orchestrator.healthCheck();
    expect(recovered).toEqual([instance_id]);
    const reply = await orchestrator.sendToInstance({ instance_id, message: 'two' });
    expect(reply.state).toBe('idle');
    expect((await orchestrator.getInstanceStatus({ instance_id })).usage.total_tokens).toBe(30);
    await orchestrator.close();
  });

  it("takes back the instance when even the lease could not be released: a busy instance under this server's lease with no turn running", async () => {
    let failures = 2;
    const fail = () => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('disk I/O error');
      }
    };
    const inner = new MemoryStore();
    const store = faultyStore(inner, (patch) => (patch.state === 'idle' && patch.stateReason === 'turn_finished' ? fail() : undefined), () => (failures === 1 ? fail() : undefined));
    const config = loadConfig({}, {}, { workspaceDir: mkdtempSync(join(tmpdir(), 'faults-')) });
    const orchestrator = new Orchestrator({ config, backend: new ScriptedBackend(), store, priceTable: BUILTIN_PRICE_TABLE, logger: silentLogger() });
    const { instance_id } = await orchestrator.spawnInstance({ name: 'x' });
    await expect(orchestrator.sendToInstance({ instance_id, message: 'one' })).rejects.toThrow(/disk I\/O error/);
    expect(await store.leaseOf(instance_id)).not.toBeNull();
    expect((await orchestrator.healthCheck()).recovered).toEqual([instance_id]);
    expect(await store.leaseOf(instance_id)).toBeNull();
    expect((await orchestrator.sendToInstance({ instance_id, message: 'two' })).state).toBe('idle');
    await orchestrator.close();
  });
});
