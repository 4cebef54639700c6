import { blockText, type ConversationView } from './request-text.js';
import type { OutputBlock } from './simulated-message.js';
import type { ContentBlockParam, MessageParam } from './wire-types.js';

/**
 * The simulator's token rule. Deterministic and simple on purpose: tests elsewhere assert that the
 * orchestrator's usage equals the simulator's numbers exactly, so they compute expectations with
 * these same functions.
 *
 * - A piece of text costs `ceil(length / 4)` tokens, length in UTF-16 code units (`string.length`);
 *   the empty string costs 0.
 * - Input tokens = top-level system prompt text (string, or each text block)
 *   + for every message (any role, `system` messages included): `MESSAGE_OVERHEAD_TOKENS` + the cost
 *     of its content
 *   + for every tool definition: the cost of `JSON.stringify(tool)`.
 * - Content cost: a string is one piece of text; per block, `text` costs its text, `thinking` its
 *   thinking, `tool_result` the text of its content (a string or its text blocks), `tool_use` its name
 *   plus `JSON.stringify(input)`, and any other block type `JSON.stringify(block)`.
 * - Output tokens = per reply block, text costs its text and tool_use costs its name plus
 *   `JSON.stringify(input)`. An empty reply costs 0 (the real API reports a few tokens even then;
 *   the simulator keeps the rule plain so expected numbers are easy to compute).
 */

export const CHARS_PER_TOKEN = 4;
/** Role markers and separators a real tokenizer spends on each message. */
export const MESSAGE_OVERHEAD_TOKENS = 3;

export function countTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export interface TokenCountInput extends ConversationView {
  readonly tools?: readonly unknown[] | undefined;
}

export function countInputTokens(request: TokenCountInput): number {
  let total = countSystemTokens(request);
  for (const message of request.messages) total += countMessageTokens(message);
  for (const tool of request.tools ?? []) total += countTextTokens(JSON.stringify(tool));
  return total;
}

function countSystemTokens(request: ConversationView): number {
  const system = request.system;
  if (system === undefined) return 0;
  if (typeof system === 'string') return countTextTokens(system);
  return system.reduce((sum, block) => sum + countTextTokens(block.text), 0);
}

export function countMessageTokens(message: MessageParam): number {
  const content = message.content;
  const contentTokens =
    typeof content === 'string'
      ? countTextTokens(content)
      : content.reduce((sum, block) => sum + countInputBlockTokens(block), 0);
  return MESSAGE_OVERHEAD_TOKENS + contentTokens;
}

export function countInputBlockTokens(block: ContentBlockParam): number {
  switch (block.type) {
    case 'text':
    case 'thinking':
    case 'tool_result':
      return countTextTokens(blockText(block));
    case 'tool_use':
      return countTextTokens(String(block['name'])) + countTextTokens(JSON.stringify(block['input'] ?? {}));
    default:
      return countTextTokens(JSON.stringify(block));
  }
}

export function countOutputBlockTokens(block: OutputBlock): number {
  if (block.type === 'text') return countTextTokens(block.text);
  return countTextTokens(block.name) + countTextTokens(JSON.stringify(block.input));
}

export function countOutputTokens(content: readonly OutputBlock[]): number {
  return content.reduce((sum, block) => sum + countOutputBlockTokens(block), 0);
}
