import type { Fault } from './faults.js';
import { lastUserText, systemText } from './request-text.js';
import type { StopReason } from './simulated-message.js';
import type { ParsedRequest } from './wire-types.js';

export type ReplyBlockSpec =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

/**
 * What to answer: a string is one text block. `stopReason` defaults to 'tool_use' when the content
 * holds a tool_use block and 'end_turn' otherwise; tool_use ids are generated when absent.
 */
export type ReplySpec = string | { content: ReplyBlockSpec[]; stopReason?: StopReason };

export interface ReplyContext {
  /** 0-based position of this request among those recorded since start or the last reset. */
  requestIndex: number;
}

/**
 * May return a promise: a test can hold a reply until something else has happened (e.g. until
 * all of a fan-out's requests have arrived), which proves overlap without relying on timing.
 */
export type ReplyFunction = (request: ParsedRequest, context: ReplyContext) => ReplySpec | Promise<ReplySpec>;

/** A string matcher means "contains, case-insensitive"; a RegExp is tested as is. */
export type TextMatcher = RegExp | string;

export interface ReplyRule {
  /** Every given condition must hold; a rule without `match` matches every request. */
  match?: {
    /** Tested against the system prompt text (text blocks joined with newlines). */
    system?: TextMatcher;
    /** Tested against the text of the last user message (tool results count as their content). */
    lastUser?: TextMatcher;
    /** Equal to the requested model, exactly. */
    model?: string;
    /** The request offers a tool of this name (e.g. an agent that has our MCP tools). */
    tool?: string;
  };
  reply: ReplySpec | ReplyFunction;
  /** Overrides the simulator's `latencyMs` for requests this rule answers. */
  latencyMs?: number;
  /**
   * Faults for the first requests this rule matches, one each, in order; later requests get the reply.
   * E.g. `[{kind: 'status', status: 529}, {kind: 'reset'}]`: two failures, then success.
   */
  faults?: readonly Fault[];
}

/** The first rule that matches `request`, in order, or undefined to fall back to the default reply. */
export function findRule(rules: readonly ReplyRule[], request: ParsedRequest): ReplyRule | undefined {
  return rules.find((rule) => ruleMatches(rule, request));
}

export function ruleMatches(rule: ReplyRule, request: ParsedRequest): boolean {
  const match = rule.match;
  if (match === undefined) return true;
  if (match.model !== undefined && match.model !== request.model) return false;
  if (match.tool !== undefined && !offersTool(request, match.tool)) return false;
  if (match.system !== undefined && !textMatches(match.system, systemText(request))) return false;
  if (match.lastUser !== undefined && !textMatches(match.lastUser, lastUserText(request))) return false;
  return true;
}

export function textMatches(matcher: TextMatcher, text: string): boolean {
  if (typeof matcher === 'string') return text.toLowerCase().includes(matcher.toLowerCase());
  // A global or sticky RegExp keeps state between calls; reset it so matching stays deterministic.
  matcher.lastIndex = 0;
  return matcher.test(text);
}

/** Whether the request offers a tool of this name. */
export function offersTool(request: ParsedRequest, name: string): boolean {
  return (request.tools ?? []).some((tool) => typeof tool === 'object' && tool !== null && (tool as { name?: unknown }).name === name);
}
