import { countInputBlockTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS } from '../token-count.js';
import type { Validation } from '../validate.js';
import type { ContentBlockParam, ParsedRequest } from '../wire-types.js';

export type CacheTtl = '5m' | '1h';

/**
 * One cacheable piece of a prompt, in the order the API caches them: each tool, each system block,
 * each content block of each message. `tokens` sum to exactly `countInputTokens(request)` (the
 * message overhead rides on a message's first block), so cached + uncached always equals the total.
 */
export interface PromptUnit {
  /** What the piece is, without its cache_control: moving a breakpoint never changes a prefix. */
  readonly key: string;
  readonly tokens: number;
  /** Set when the piece carries a cache breakpoint. */
  readonly breakpoint: CacheTtl | undefined;
}

/** The API allows at most this many cache_control markers per request. */
export const MAX_BREAKPOINTS = 4;

/**
 * The request as cache units, or the 400 the API would answer: more than four breakpoints, an
 * unknown cache_control type or TTL, a 1-hour breakpoint after a 5-minute one, or a breakpoint on an
 * empty text block. A string `system` or message content is the same as one text block, so a
 * conversation whose history comes back as strings still matches the blocks it was cached with.
 */
export function promptUnits(request: ParsedRequest): Validation<PromptUnit[]> {
  const units: PromptUnit[] = [];
  const problems: string[] = [];
  const add = (key: string, tokens: number, carrier: Readonly<Record<string, unknown>> | undefined, path: string): void => {
    const breakpoint = carrier ? readBreakpoint(carrier['cache_control'], `${path}.cache_control`, problems) : undefined;
    if (breakpoint && carrier?.['type'] === 'text' && carrier['text'] === '') problems.push(`${path}: cache_control cannot be set for empty text blocks`);
    units.push({ key, tokens, breakpoint });
  };

  (request.tools ?? []).forEach((tool, i) => add(`tool:${canonical(tool)}`, countTextTokens(JSON.stringify(tool)), tool, `tools.${i}`));

  const system = request.system;
  if (typeof system === 'string') add(`system:${canonical(textBlock(system))}`, countTextTokens(system), undefined, 'system');
  else system?.forEach((block, i) => add(`system:${canonical(block)}`, countTextTokens(block.text), block, `system.${i}`));

  request.messages.forEach((message, m) => {
    const { role, content } = message;
    if (typeof content === 'string') {
      add(`${role}:first:${canonical(textBlock(content))}`, MESSAGE_OVERHEAD_TOKENS + countTextTokens(content), undefined, `messages.${m}`);
      return;
    }
    if (content.length === 0) add(`${role}:empty`, MESSAGE_OVERHEAD_TOKENS, undefined, `messages.${m}`);
    content.forEach((block, b) => {
      const overhead = b === 0 ? MESSAGE_OVERHEAD_TOKENS : 0;
      add(`${role}:${b === 0 ? 'first' : 'next'}:${canonical(block)}`, overhead + countInputBlockTokens(block), block, `messages.${m}.content.${b}`);
    });
  });

  applyAutomaticBreakpoint(units, request['cache_control'], problems);
  checkBreakpoints(units, problems);
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, value: units };
}

/** Top-level `cache_control` (automatic caching) puts a breakpoint on the last block. */
function applyAutomaticBreakpoint(units: PromptUnit[], control: unknown, problems: string[]): void {
  const ttl = readBreakpoint(control, 'cache_control', problems);
  const last = units.at(-1);
  if (ttl === undefined || last === undefined || last.breakpoint !== undefined) return;
  units[units.length - 1] = { ...last, breakpoint: ttl };
}

function checkBreakpoints(units: readonly PromptUnit[], problems: string[]): void {
  const ttls = units.flatMap((unit) => (unit.breakpoint ? [unit.breakpoint] : []));
  if (ttls.length > MAX_BREAKPOINTS) {
    problems.push(`A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${ttls.length}.`);
  }
  const first5m = ttls.indexOf('5m');
  if (first5m >= 0 && ttls.lastIndexOf('1h') > first5m) {
    problems.push("cache_control: a breakpoint with ttl '1h' must come before any with ttl '5m' (tools, then system, then messages)");
  }
}

function readBreakpoint(control: unknown, path: string, problems: string[]): CacheTtl | undefined {
  if (control === undefined || control === null) return undefined;
  if (typeof control !== 'object' || (control as { type?: unknown }).type !== 'ephemeral') {
    problems.push(`${path}.type: Input should be 'ephemeral'`);
    return undefined;
  }
  const ttl = (control as { ttl?: unknown }).ttl;
  if (ttl === undefined || ttl === '5m' || ttl === '1h') return ttl ?? '5m';
  problems.push(`${path}.ttl: Input should be '5m' or '1h'`);
  return undefined;
}

function textBlock(text: string): ContentBlockParam {
  return { type: 'text', text };
}

/** The JSON of a piece without any cache_control, so markers never change what a prefix is. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, inner: unknown) => (key === 'cache_control' ? undefined : inner));
}
