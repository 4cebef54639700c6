import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';
import { instanceRefSchema, listInputSchema, outputInputSchema, parseInput, type InstanceRef, type ListInput, type OutputInput } from '../domain/inputs.js';
import type { InstanceRecord } from '../domain/instance.js';
import { usageView } from '../domain/usage.js';
import { nanosToUsd } from '../pricing/cost.js';
import type { StoreReads } from '../store/store.js';
import type { Kernel } from './kernel.js';
import { nodeAvailability } from './node-placement.js';
import type { GlobalLimits, GlobalTotals, ListResult, OutputResult } from './results.js';
import { instanceView, messageView, type InstanceView } from './views.js';

/** The stored record of an instance; throws `not_found` naming the id. */
export async function findInstance(reads: StoreReads, id: string): Promise<InstanceRecord> {
  const record = await reads.getInstance(id);
  if (!record) throw new OrchestratorError('not_found', `Instance not found: ${JSON.stringify(id)}. Use list_instances to see the ids that exist.`, { instance_id: id });
  return record;
}

/** One instance's status, with its children. */
export async function instanceStatus(k: Kernel, raw: InstanceRef): Promise<InstanceView> {
  const input = parseInput(instanceRefSchema, raw);
  const record = await findInstance(k.store, input.instance_id);
  const children = await k.store.childIds([record.id]);
  const available = await nodeAvailability(k, [record]);
  return withActivity(k, instanceView(record, children.get(record.id) ?? [], available.get(record.id) ?? null), record);
}

/** The views of an instance's children, oldest first: two reads however many children it has. */
export async function childViews(k: Kernel, id: string): Promise<InstanceView[]> {
  const children = await k.store.childrenOf(id);
  const theirs = await k.store.childIds(children.map((c) => c.id));
  const available = await nodeAvailability(k, children);
  return children.map((c) => withActivity(k, instanceView(c, theirs.get(c.id) ?? [], available.get(c.id) ?? null), c));
}

/** A page of instances, newest first, paged in the store, with the global totals from its counters. */
export async function listInstances(k: Kernel, raw: ListInput = {}): Promise<ListResult> {
  const input = parseInput(listInputSchema, raw);
  const limit = input.limit ?? DEFAULTS.pageSize;
  const offset = input.offset ?? 0;
  const page = await k.store.listInstances({ includeTerminated: input.include_terminated ?? false, limit, offset });
  const children = await k.store.childIds(page.items.map((r) => r.id));
  const available = await nodeAvailability(k, page.items);
  return {
    total: page.total,
    offset,
    limit,
    instances: page.items.map((r) => withActivity(k, instanceView(r, children.get(r.id) ?? [], available.get(r.id) ?? null), r)),
    totals: await totals(k),
  };
}

/** The view with the instance's activity (liveness), from this server's live turns or its stored state. */
function withActivity(k: Kernel, view: InstanceView, record: InstanceRecord): InstanceView {
  view.activity = k.activity.view(record, view.node_available);
  return view;
}

/** The conversation, oldest first, paged. */
export async function instanceOutput(k: Kernel, raw: OutputInput): Promise<OutputResult> {
  const input = parseInput(outputInputSchema, raw);
  const record = await findInstance(k.store, input.instance_id);
  const limit = input.limit ?? DEFAULTS.pageSize;
  const offset = input.offset ?? 0;
  const page = await k.store.listMessages(record.id, { limit, offset });
  return { instance_id: record.id, state: record.state, total: page.total, offset, limit, messages: page.items.map(messageView) };
}

/** Usage and cost across every stored instance, read from the store's counters. */
export async function totals(k: Kernel): Promise<GlobalTotals> {
  const t = await k.store.totals();
  return {
    instances_live: t.live,
    instances_total: t.instances,
    usage: usageView(t.usage),
    cost_usd: nanosToUsd(t.costNanos) ?? 0,
    unpriced_instances: t.unpriced,
    cache_savings_usd: nanosToUsd(t.cacheSavingsNanos) ?? 0,
    in_flight_cost_usd: nanosToUsd(t.heldNanos) ?? 0,
    max_total_cost_usd: k.holds.global.usd,
  };
}

/** The limits the budgets are held against (for dashboards: use against them is in totals() and each instance). */
export function globalLimits(k: Kernel): GlobalLimits {
  const c = k.config;
  return {
    max_instances: c.maxInstances,
    max_total_cost_usd: k.holds.global.usd,
    max_tokens_per_instance: c.maxTokensPerInstance,
    max_delegation_depth: c.maxDelegationDepth,
    max_children_per_parent: c.maxChildrenPerParent,
  };
}
