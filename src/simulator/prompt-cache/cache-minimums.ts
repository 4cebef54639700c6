/**
 * The minimum cacheable prompt length per model: a breakpoint whose prefix is shorter is not cached
 * (no error; the request is billed as plain input). Numbers as published for each family:
 *
 * | Models                                               | Minimum tokens |
 * |------------------------------------------------------|---------------:|
 * | Opus 5.x, Fable 5.x, Mythos 5.x                       |            512 |
 * | Opus 4.7, Haiku 3.5, Haiku 3                          |          2,048 |
 * | Opus 4.6, Opus 4.5, Haiku 4.5, Haiku 5.x (*)          |          4,096 |
 * | Sonnet 5.x and 4.x, Opus 4.8, 4.1, 4; anything else   |          1,024 |
 *
 * (*) No number was published for Haiku 5.x when this was written; it takes Haiku 4.5's.
 * Sources: Anthropic's prompt-caching page ("minimum cacheable prompt length"), as quoted by the
 * LiteLLM and Orq docs and Anthropic's SDK issue tracker, checked 2026-11.
 */
const MINIMUMS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^claude-(opus|fable|mythos)-5/, 512],
  [/^claude-opus-4-7/, 2_048],
  [/^claude-3-(5-)?haiku/, 2_048],
  [/^claude-(opus-4-6|opus-4-5|haiku-4-5|haiku-5)/, 4_096],
];

/** The default covers Sonnet, the older Opus models and unknown names: the most common value. */
export const DEFAULT_MINIMUM_CACHEABLE_TOKENS = 1_024;

export function minimumCacheableTokens(model: string): number {
  for (const [pattern, minimum] of MINIMUMS) if (pattern.test(model)) return minimum;
  return DEFAULT_MINIMUM_CACHEABLE_TOKENS;
}
