import type { ContentBlockParam, MessageParam, SystemParam } from './wire-types.js';

/** Minimal request view shared by `/v1/messages` and `/v1/messages/count_tokens` bodies. */
export interface ConversationView {
  readonly system?: SystemParam | undefined;
  readonly messages: readonly MessageParam[];
}

/**
 * The system prompt as one string: the top-level `system` (text blocks joined with newlines) followed
 * by the text of any `system`-role messages, which API version 2026-10-21 allows inside `messages`.
 */
export function systemText(request: ConversationView): string {
  const parts: string[] = [];
  const system = request.system;
  if (typeof system === 'string') parts.push(system);
  else if (system !== undefined) parts.push(...system.map((block) => block.text));
  for (const message of request.messages) {
    if (message.role === 'system') parts.push(contentText(message.content));
  }
  return parts.filter((part) => part.length > 0).join('\n');
}

/**
 * The readable text of one block. Tool results count as the text of their content, so a rule can
 * match on what a tool returned; blocks with no text (images, documents) contribute nothing.
 */
export function blockText(block: ContentBlockParam): string {
  if (block.type === 'text' || block.type === 'thinking') {
    const text = block.type === 'text' ? block['text'] : block['thinking'];
    return typeof text === 'string' ? text : '';
  }
  if (block.type === 'tool_result') return toolResultText(block['content']);
  return '';
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((inner: unknown) => (isBlock(inner) ? blockText(inner) : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

function isBlock(value: unknown): value is ContentBlockParam {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The readable text of a message's content (a string, or blocks joined with newlines). */
export function contentText(content: MessageParam['content']): string {
  if (typeof content === 'string') return content;
  return content
    .map(blockText)
    .filter((text) => text.length > 0)
    .join('\n');
}

/** The text of the last `user` message, or '' when there is none. */
export function lastUserText(request: ConversationView): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === 'user') return contentText(message.content);
  }
  return '';
}

/** The turn number of a conversation: how many user messages it holds. */
export function userTurnCount(request: ConversationView): number {
  return request.messages.filter((message) => message.role === 'user').length;
}

/** Notes a client adds to a user message for the model (Claude Code's `<system-reminder>`), not words the user wrote. */
const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

/**
 * What the user wrote in one message: its text blocks without client reminders; tool results are not the
 * user's words, so a message that only carries tool results yields ''.
 */
export function userWords(message: MessageParam): string {
  const text =
    typeof message.content === 'string'
      ? message.content
      : message.content
          .filter((block) => block.type === 'text')
          .map(blockText)
          .join('\n');
  return text.replace(REMINDER, '').trim();
}

/** The user's own words of every user message that has any, oldest first (see `userWords`). */
export function userUtterances(request: ConversationView): string[] {
  return request.messages
    .filter((message) => message.role === 'user')
    .map(userWords)
    .filter((words) => words.length > 0);
}
