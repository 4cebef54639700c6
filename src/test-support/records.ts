import type { InstanceRecord } from '../domain/instance.js';
import { ZERO_USAGE } from '../domain/usage.js';

/** A stored instance with plain defaults, for store tests. */
export function record(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id,
    name: id,
    role: 'general',
    model: 'claude-sonnet-5-5',
    backend: 'api',
    customSystemPrompt: null,
    systemPrompt: 'You are a general-purpose assistant.',
    parentId: null,
    depth: 0,
    allowDelegation: false,
    workspace: `/tmp/ws/${id}`,
    keepWorkspace: false,
    limits: { maxTotalTokens: 1000, maxCostNanos: null, timeoutMinutes: 60 },
    createdAt: `2026-11-25T12:00:0${id.length % 10}.000Z`,
    state: 'idle',
    stateReason: 'ready',
    stateChangedAt: '2026-11-25T12:00:00.000Z',
    usage: ZERO_USAGE,
    costNanos: 0,
    cacheSavingsNanos: 0,
    subtree: { tokens: 0, costNanos: 0 },
    held: { tokens: 0, nanos: 0 },
    turns: 0,
    totalResponseMs: 0,
    lastResponseMs: null,
    errorCount: 0,
    lastError: null,
    consecutiveFailures: 0,
    backendState: null,
    backendOptions: null,
    node: null,
    ...overrides,
  };
}
