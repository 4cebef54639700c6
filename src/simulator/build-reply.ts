import type { IdGenerator } from '../domain/ids.js';
import type { ReplySpec } from './script.js';
import type { OutputBlock, SimulatedMessage, StopReason } from './simulated-message.js';
import { CHARS_PER_TOKEN, countInputTokens, countOutputBlockTokens, countOutputTokens } from './token-count.js';
import type { ParsedRequest } from './wire-types.js';

interface Cut {
  readonly content: OutputBlock[];
  readonly hit: boolean;
}

/**
 * Turns a reply spec into the message the simulator sends, applying what the real API would:
 * the request's `stop_sequences` end the text where one first appears, and a reply longer than
 * `max_tokens` is cut to exactly that many tokens with stop_reason 'max_tokens'.
 */
export function buildMessage(request: ParsedRequest, spec: ReplySpec, newId: IdGenerator): SimulatedMessage {
  const wanted = toBlocks(spec, newId);
  const stopSequences = request.stop_sequences ?? [];
  const stopped = cutAtStopSequence(wanted, stopSequences);
  const limited = cutToTokenLimit(stopped.content, request.max_tokens);

  let stopReason: StopReason;
  let stopSequence: string | null = null;
  if (limited.hit) {
    stopReason = 'max_tokens';
  } else if (stopped.hit) {
    stopReason = 'stop_sequence';
    stopSequence = stopped.sequence;
  } else {
    const explicit = typeof spec === 'string' ? undefined : spec.stopReason;
    stopReason = explicit ?? (wanted.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
    if (stopReason === 'stop_sequence') stopSequence = stopSequences[0] ?? null;
  }

  return {
    id: newId('msg_sim'),
    model: request.model,
    content: limited.content,
    stopReason,
    stopSequence,
    inputTokens: countInputTokens(request),
    outputTokens: countOutputTokens(limited.content),
  };
}

function toBlocks(spec: ReplySpec, newId: IdGenerator): OutputBlock[] {
  if (typeof spec === 'string') return [{ type: 'text', text: spec }];
  return spec.content.map((block): OutputBlock => {
    if (block.type === 'text') return { type: 'text', text: block.text };
    return { type: 'tool_use', id: block.id ?? newId('toolu_sim'), name: block.name, input: block.input };
  });
}

function cutAtStopSequence(
  blocks: readonly OutputBlock[],
  sequences: readonly string[],
): Cut & { sequence: string | null } {
  const usable = sequences.filter((sequence) => sequence.length > 0);
  for (const [index, block] of blocks.entries()) {
    if (block.type !== 'text') continue;
    const found = earliest(block.text, usable);
    if (found === undefined) continue;
    const kept = blocks.slice(0, index);
    const text = block.text.slice(0, found.at);
    if (text.length > 0) kept.push({ type: 'text', text });
    return { content: kept, hit: true, sequence: found.sequence };
  }
  return { content: [...blocks], hit: false, sequence: null };
}

function earliest(text: string, sequences: readonly string[]): { at: number; sequence: string } | undefined {
  let best: { at: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (best === undefined || at < best.at)) best = { at, sequence };
  }
  return best;
}

/**
 * Keeps whole blocks while they fit in `maxTokens`; the first text block that does not fit is cut to
 * the remaining budget, and a tool_use that does not fit is dropped (half a tool call is useless).
 */
function cutToTokenLimit(blocks: readonly OutputBlock[], maxTokens: number): Cut {
  const kept: OutputBlock[] = [];
  let remaining = maxTokens;
  for (const block of blocks) {
    const cost = countOutputBlockTokens(block);
    if (cost <= remaining) {
      kept.push(block);
      remaining -= cost;
      continue;
    }
    if (block.type === 'text') {
      const text = truncateText(block.text, remaining);
      if (text.length > 0) kept.push({ type: 'text', text });
    }
    return { content: kept, hit: true };
  }
  return { content: kept, hit: false };
}

/** The longest prefix of `text` that costs at most `tokens`, never ending inside a surrogate pair. */
function truncateText(text: string, tokens: number): string {
  let end = Math.min(text.length, tokens * CHARS_PER_TOKEN);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
