/** Token usage as the Messages API reports it. A value: combine with `addUsage`, never mutate. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Tokens written to the prompt cache (all TTLs). */
  readonly cacheCreationInputTokens: number;
  /** Of cacheCreationInputTokens, those written with the 1-hour TTL (the rest are 5-minute writes). */
  readonly cacheCreation1hInputTokens: number;
  readonly cacheReadInputTokens: number;
}

export const ZERO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheCreation1hInputTokens: 0,
  cacheReadInputTokens: 0,
});

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    cacheCreation1hInputTokens: a.cacheCreation1hInputTokens + b.cacheCreation1hInputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
  };
}

/** Every token the API reports: input, output, cache write and cache read. This is what limits count. */
export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens;
}

/** All the tokens of the prompt side of a request (what the price tiers of some models key on). */
export function promptTokens(u: Usage): number {
  return u.inputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens;
}

/** The wire shape of usage in tool results and REST bodies (snake_case, as the API names them). */
export interface UsageView {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  total_tokens: number;
}

export function usageView(u: Usage): UsageView {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cache_creation_input_tokens: u.cacheCreationInputTokens,
    cache_read_input_tokens: u.cacheReadInputTokens,
    total_tokens: totalTokens(u),
  };
}

/** Adds two wire-shape usages (for sums over results that only carry views, like a coordination run's turns). */
export function addUsageViews(a: UsageView, b: UsageView): UsageView {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_creation_input_tokens: a.cache_creation_input_tokens + b.cache_creation_input_tokens,
    cache_read_input_tokens: a.cache_read_input_tokens + b.cache_read_input_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/** Reads the API's usage object (fields may be absent or null on older models and on errors). */
export function usageFromApi(raw: {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_1h_input_tokens?: number | null; ephemeral_5m_input_tokens?: number | null } | null;
}): Usage {
  return {
    inputTokens: raw.input_tokens ?? 0,
    outputTokens: raw.output_tokens ?? 0,
    cacheCreationInputTokens: raw.cache_creation_input_tokens ?? 0,
    cacheCreation1hInputTokens: raw.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    cacheReadInputTokens: raw.cache_read_input_tokens ?? 0,
  };
}
