import { estimateTokens, utf8Bytes } from '../backends/call-budget.js';
import type { InstanceRecord, MessageRole, TransitionReason } from '../domain/instance.js';
import { holdRates, planHold } from './budget.js';
import { DELEGATION_TOOLS } from './delegation.js';
import type { Kernel } from './kernel.js';

export type Conversation = ReadonlyArray<{ readonly role: MessageRole; readonly content: string }>;

/** The delegation tools' definitions travel with every call of a delegating instance. */
const DELEGATION_TOOLS_BYTES = utf8Bytes(JSON.stringify(DELEGATION_TOOLS));

/** Prompt tokens of a call over this conversation, estimated on the high side, plus what the backend adds to every call. */
export function promptTokensOf(k: Kernel, record: InstanceRecord, conversation: Conversation): number {
  let bytes = utf8Bytes(record.systemPrompt) + (record.allowDelegation ? DELEGATION_TOOLS_BYTES : 0);
  for (const m of conversation) bytes += utf8Bytes(m.content);
  return estimateTokens(bytes, conversation.length) + k.backends.descriptor(record.backend).promptOverheadTokens;
}

/**
 * The instance's own limit that leaves no room for even a one-word next turn with a useful reply (its
 * conversation alone no longer fits its token or cost budget): such an instance is at its limit and ends.
 * Only its own budgets count here (a spent shared one ends no one), so this reads nothing from the store.
 */
export function exhaustedBy(k: Kernel, record: InstanceRecord, conversation: Conversation): TransitionReason | null {
  const plan = planHold({
    chain: [record],
    global: { budgetNanos: Number.POSITIVE_INFINITY, spentNanos: 0, heldNanos: 0 },
    rates: holdRates(k.prices, record.model),
    promptTokens: promptTokensOf(k, record, [...conversation, { role: 'user', content: '.' }]),
    wantedMaxTokens: k.config.maxOutputTokens,
    minOutputTokens: k.config.minOutputTokens,
  });
  return plan.kind === 'refuse' && plan.binding !== 'shared' ? plan.binding : null;
}
