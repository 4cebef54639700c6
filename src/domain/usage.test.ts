import { describe, expect, it } from 'vitest';
import { addUsage, promptTokens, totalTokens, usageFromApi, usageView, ZERO_USAGE } from './usage.js';

describe('usage', () => {
  it('reads the API fields, treating null and absent as zero', () => {
    const u = usageFromApi({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: 7,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    });
    expect(u).toEqual({ inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 7 });
  });

  it('adds as a value and totals every token kind', () => {
    const a = usageFromApi({ input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 3, cache_read_input_tokens: 4 });
    const sum = addUsage(addUsage(ZERO_USAGE, a), a);
    expect(totalTokens(sum)).toBe(20);
    expect(promptTokens(sum)).toBe(16);
    expect(usageView(sum)).toEqual({
      input_tokens: 2,
      output_tokens: 4,
      cache_creation_input_tokens: 6,
      cache_read_input_tokens: 8,
      total_tokens: 20,
    });
    expect(ZERO_USAGE.inputTokens).toBe(0);
  });
});
