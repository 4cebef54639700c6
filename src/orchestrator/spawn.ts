import { BACKEND_SPAWN_OPTIONS, BACKENDS, type BackendDescriptor } from '../backends/registry.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { parseInput, spawnInputSchema, type SpawnInput } from '../domain/inputs.js';
import type { InstanceRecord } from '../domain/instance.js';
import { composeSystemPrompt } from '../domain/roles.js';
import { ZERO_USAGE } from '../domain/usage.js';
import { pauseAt } from '../durability/pause-point.js';
import { findPrice, usdToNanos } from '../pricing/cost.js';
import { isoNow, type Kernel } from './kernel.js';
import { transition } from './lifecycle.js';
import { assertCanHaveChild, assertGlobalBudget, assertSpawnCapacity } from './limits.js';
import { findInstance } from './queries.js';
import type { SpawnResult } from './results.js';
import { sessionSpec } from './sessions.js';
import { instanceView } from './views.js';
import { createWorkspace, workspacePath } from './workspaces.js';

/** Starts a new instance: a record (checked against the caps in the same transaction), a workspace, a backend session. */
export async function spawnInstance(k: Kernel, raw: SpawnInput): Promise<SpawnResult> {
  const input = parseInput(spawnInputSchema, raw);
  const descriptor = k.backends.descriptor(input.backend);
  const options = backendOptions(descriptor, input);
  if (input.allow_delegation && !descriptor.delegation.supported) throw new OrchestratorError('invalid_input', descriptor.delegation.why);
  const backend = await k.backends.ready(input.backend);
  if (backend.validateSpawn && Object.keys(options).length > 0) {
    await backend.validateSpawn({ instanceId: 'inst_validate', model: '', systemPrompt: '', workspace: '', options, backendState: null });
  }
  const model = input.model ?? k.config.defaultModel;
  const priced = findPrice(k.prices, model) !== undefined;
  const warnings: string[] = [];
  if (!priced) {
    if (input.max_cost !== undefined) {
      throw new OrchestratorError(
        'invalid_input',
        `Cannot enforce max_cost for model "${model}": it is not in the price table (as of ${k.prices.asOf}). Add its prices with PRICE_TABLE=<file.json>, choose a priced model, or drop max_cost.`,
      );
    }
    warnings.push(`Model "${model}" has no known price: its cost will be reported as null (unknown), and the global cost budget cannot count it.`);
  }
  const parent = input.parent_id !== undefined ? await findInstance(k.store, input.parent_id) : undefined;

  const id = k.ids('inst');
  const now = isoNow(k);
  const record: InstanceRecord = {
    id,
    name: input.name,
    role: input.role,
    model,
    backend: descriptor.kind,
    backendOptions: Object.keys(options).length > 0 ? JSON.stringify(options) : null,
    customSystemPrompt: input.system_prompt ?? null,
    systemPrompt: composeSystemPrompt(input.role, input.system_prompt),
    parentId: input.parent_id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    allowDelegation: input.allow_delegation ?? false,
    workspace: workspacePath(k.config.workspaceDir, id),
    keepWorkspace: input.keep_workspace ?? false,
    limits: {
      maxTotalTokens: input.max_total_tokens ?? k.config.maxTokensPerInstance,
      maxCostNanos: input.max_cost !== undefined ? usdToNanos(input.max_cost) : null,
      timeoutMinutes: input.timeout_minutes ?? k.config.instanceTimeoutMinutes,
    },
    createdAt: now,
    state: 'spawning',
    stateReason: 'spawned',
    stateChangedAt: now,
    usage: ZERO_USAGE,
    costNanos: priced ? 0 : null,
    cacheSavingsNanos: priced ? 0 : null,
    subtree: { tokens: 0, costNanos: 0 },
    held: { tokens: 0, nanos: 0 },
    turns: 0,
    totalResponseMs: 0,
    lastResponseMs: null,
    errorCount: 0,
    lastError: null,
    consecutiveFailures: 0,
    backendState: null,
    // A claude-code agent and its workspace live on this node; any node may run an api instance's turns.
    node: descriptor.kind === 'claude-code' ? k.owner.id : null,
  };
  // The cap, the global budget and the parent are checked in the insert's transaction, from the store's
  // counters: another server sharing the store can't spawn in between, and no check reads other instances.
  await k.store.transaction(async (tx) => {
    const totals = await tx.totals();
    assertSpawnCapacity(totals.live, k.config.maxInstances);
    assertGlobalBudget(totals.costNanos, k.holds.global.nanos);
    if (parent) assertCanHaveChild(await findInstance(tx, parent.id), await tx.countLiveChildren(parent.id), k.config);
    await tx.insertInstance(record);
    await tx.acquireLease(id, k.owner.id, k.clock.now(), k.leaseMs);
    await tx.appendEvent({ instanceId: id, at: now, from: null, to: 'spawning', reason: 'spawned' });
    tx.onCommit(() => {
      k.events.publish({ type: 'instance.spawned', at: now, instanceId: id, name: record.name, role: record.role, model, backend: record.backend, parentId: record.parentId });
      k.events.publish({ type: 'instance.state_changed', at: now, instanceId: id, from: null, to: 'spawning', reason: 'spawned' });
    });
  });
  try {
    await createWorkspace(k.config.workspaceDir, id);
    await pauseAt('spawn');
    k.sessions.add(id, await backend.start(sessionSpec(record)));
  } catch (error) {
    const failure = toOrchestratorError(error);
    await k.store.transaction(async (tx) => {
      await transition(tx, k.events, id, 'failed', 'error', isoNow(k), failure.message, { errorCount: 1, lastError: failure.message });
      await tx.releaseLease(id, k.owner.id);
    });
    throw failure;
  }
  const ready = await k.store.transaction(async (tx) => {
    const next = await transition(tx, k.events, id, 'idle', 'ready', isoNow(k));
    await tx.releaseLease(id, k.owner.id);
    return next;
  });
  k.log.info({ instanceId: id, role: ready.role, model, parentId: ready.parentId }, 'instance spawned');
  return {
    instance_id: id,
    name: ready.name,
    role: ready.role,
    model,
    backend: ready.backend,
    state: ready.state,
    workspace: ready.workspace,
    parent_id: ready.parentId,
    limits: instanceView(ready, []).limits,
    warnings,
  };
}

/** The spawn options given for the chosen backend; an option of another backend is a clear error. */
function backendOptions(descriptor: BackendDescriptor, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const given = Object.keys(BACKEND_SPAWN_OPTIONS).filter((key) => input[key] !== undefined);
  const misplaced = given.filter((key) => !(key in descriptor.spawnOptions));
  if (misplaced.length > 0) {
    const owners = BACKENDS.filter((b) => misplaced.some((key) => key in b.spawnOptions)).map((b) => `"${b.kind}"`);
    throw new OrchestratorError('invalid_input', `${misplaced.join(' and ')} ${misplaced.length === 1 ? 'applies' : 'apply'} to backend ${owners.join(' or ')} only.`);
  }
  return Object.fromEntries(given.map((key) => [key, input[key]]));
}
