import { z } from 'zod';
import { errorMessage } from '../../domain/errors.js';
import { estimateTokens, utf8Bytes } from '../call-budget.js';

/** The API's smallest extended-thinking budget; a smaller one is a 400. */
export const MIN_THINKING_BUDGET_TOKENS = 1024;

/**
 * The fields of a `POST /v1/messages` body the proxy reads; every other field passes through untouched
 * (the object is loose), since Claude Code sends fields we have no business checking.
 */
const messagesBodySchema = z.looseObject({
  model: z.string().optional(),
  max_tokens: z.number().int().nonnegative(),
  messages: z.array(z.unknown()),
  system: z.unknown().optional(),
  tools: z.unknown().optional(),
  thinking: z.unknown().optional(),
});
export type MessagesBody = z.infer<typeof messagesBodySchema>;

const enabledThinkingSchema = z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number() });

export type ParsedBody = { readonly ok: true; readonly body: MessagesBody } | { readonly ok: false; readonly message: string };

/**
 * The body of a model call, or why it can't be held: a call whose output cap we can't read can't be
 * bounded, so it is refused here rather than forwarded (the API would refuse it too).
 */
export function parseMessagesBody(text: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    return { ok: false, message: `The request body is not valid JSON: ${errorMessage(error)}` };
  }
  const parsed = messagesBodySchema.safeParse(json);
  if (parsed.success) return { ok: true, body: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
  return { ok: false, message: problems.join('; ') };
}

/** Tokens the call's prompt may take (system, messages and tools), on the high side, as a hold needs. */
export function promptTokensOf(body: MessagesBody): number {
  const bytes = utf8Bytes(JSON.stringify([body.system ?? null, body.messages, body.tools ?? null]));
  // One part per message: each carries a few tokens of framing the size does not see.
  return estimateTokens(bytes, Math.max(1, body.messages.length));
}

/**
 * The body as it may go upstream: max_tokens lowered to what the hold grants, and an extended-thinking
 * budget that no longer fits under it shrunk (the API requires budget_tokens < max_tokens) or, below
 * the API's minimum, dropped so the call still gets an answer rather than a 400.
 */
export function cappedBody(body: MessagesBody, grantedMaxTokens: number): MessagesBody {
  const maxTokens = Math.min(body.max_tokens, grantedMaxTokens);
  const capped: MessagesBody = { ...body, max_tokens: maxTokens };
  const thinking = enabledThinkingSchema.safeParse(body.thinking);
  if (!thinking.success || thinking.data.budget_tokens < maxTokens) return capped;
  if (maxTokens - 1 >= MIN_THINKING_BUDGET_TOKENS) return { ...capped, thinking: { ...thinking.data, budget_tokens: maxTokens - 1 } };
  delete capped.thinking;
  return capped;
}
