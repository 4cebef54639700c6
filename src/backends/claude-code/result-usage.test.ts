import { describe, expect, it } from 'vitest';
import { RESULT_LINE } from '../../test-support/claude-code-fixtures.js';
import { turnAccounting } from './result-usage.js';
import { parseCliLine, type ResultMessage } from './stream-json.js';

const result = (patch: Record<string, unknown> = {}): ResultMessage => {
  const message = parseCliLine(JSON.stringify({ ...(JSON.parse(RESULT_LINE) as object), ...patch }));
  if (message.type !== 'result') throw new Error(`not a result: ${JSON.stringify(message)}`);
  return message;
};

describe('usage of a turn from the agent result', () => {
  it("is this turn's, not the session's: model_usage_since_last_result, with the agent's own cost", () => {
    const accounting = turnAccounting(result());
    expect(accounting.usage).toEqual({ inputTokens: 0, outputTokens: 27, cacheCreationInputTokens: 35, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 13222 });
    expect(accounting.agentCostUsd).toBe(0.0033594);
  });

  it('sums every model a turn used (a subagent on another model) and keeps them apart for pricing', () => {
    const accounting = turnAccounting(
      result({
        model_usage_since_last_result: {
          'claude-sonnet-5-5': { inputTokens: 10, outputTokens: 20, cacheReadInputTokens: 30, cacheCreationInputTokens: 40, cacheCreationEphemeral1hInputTokens: 40, costUSD: 0.5 },
          'claude-haiku-5': { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4, costUSD: 0.25 },
        },
      }),
    );
    expect(accounting.usage).toEqual({ inputTokens: 11, outputTokens: 22, cacheCreationInputTokens: 44, cacheCreation1hInputTokens: 40, cacheReadInputTokens: 33 });
    expect(Object.keys(accounting.byModel)).toEqual(['claude-sonnet-5-5', 'claude-haiku-5']);
    expect(accounting.byModel['claude-haiku-5']?.outputTokens).toBe(2);
    expect(accounting.agentCostUsd).toBe(0.75);
  });

  it("falls back on the result's usage for a CLI without per-turn model usage", () => {
    const accounting = turnAccounting(result({ model_usage_since_last_result: undefined }));
    expect(accounting.usage).toEqual({ inputTokens: 0, outputTokens: 27, cacheCreationInputTokens: 35, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 13222 });
    expect(accounting.agentCostUsd).toBeUndefined();
  });
});
