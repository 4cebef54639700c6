import type Anthropic from '@anthropic-ai/sdk';

export type CacheTtl = '5m' | '1h';

/** Whether the api backend asks the API to cache prompts, and for how long. */
export interface PromptCaching {
  readonly enabled: boolean;
  readonly ttl: CacheTtl;
}

/**
 * Where the breakpoints go (two of the four the API allows):
 * - on the system prompt, so tools + system are one long-lived prefix every turn of the instance reads;
 * - on the last block of the last message, so the next call (the next turn, or the next step of a
 *   tool loop) reads the whole conversation so far and only pays full price for what is new.
 * The API finds the previous call's entry by looking back from the new breakpoint, so one moving
 * breakpoint is enough for a conversation. Prompts under the model's minimum are simply not cached.
 */

export function cacheControl(ttl: CacheTtl): Anthropic.CacheControlEphemeral {
  // 5m is the API's default; sending no ttl keeps requests identical to what other clients send.
  return ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
}

/** The `system` parameter: a string as given, or one text block with a breakpoint. */
export function systemParam(systemPrompt: string, caching: PromptCaching): string | Anthropic.TextBlockParam[] {
  // An empty text block may not carry cache_control (the API refuses it).
  if (!caching.enabled || systemPrompt === '') return systemPrompt;
  return [{ type: 'text', text: systemPrompt, cache_control: cacheControl(caching.ttl) }];
}

/** Blocks that may not carry cache_control. */
const UNMARKABLE = new Set(['thinking', 'redacted_thinking']);

/**
 * A copy of `messages` whose last message ends with a breakpoint. Never mutates: the tool loop keeps
 * its own array, and a breakpoint left behind on an older message would pile up past the API's four.
 */
export function withConversationBreakpoint(messages: readonly Anthropic.MessageParam[], caching: PromptCaching): Anthropic.MessageParam[] {
  const copy = [...messages];
  const last = copy.at(-1);
  if (!caching.enabled || last === undefined) return copy;
  const control = cacheControl(caching.ttl);
  if (typeof last.content === 'string') {
    if (last.content !== '') copy[copy.length - 1] = { ...last, content: [{ type: 'text', text: last.content, cache_control: control }] };
    return copy;
  }
  const blocks = [...last.content];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i];
    if (!block || UNMARKABLE.has(block.type) || (block.type === 'text' && block.text === '')) continue;
    blocks[i] = { ...block, cache_control: control } as Anthropic.ContentBlockParam;
    // The same role with the same kind of blocks, one of them now marked.
    copy[copy.length - 1] = { ...last, content: blocks } as Anthropic.MessageParam;
    break;
  }
  return copy;
}
