/** A result line as Claude Code 2.1 writes it (trimmed of fields we don't read). */
export const RESULT_LINE = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  duration_ms: 140,
  num_turns: 1,
  result: 'done',
  stop_reason: 'end_turn',
  session_id: 'ae5d1bab-9666-4816-937d-00760d04b36e',
  total_cost_usd: 0.0741568,
  usage: { input_tokens: 0, cache_creation_input_tokens: 35, cache_read_input_tokens: 13222, output_tokens: 27, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 35 }, service_tier: 'standard' },
  modelUsage: { 'claude-opus-5-5': { inputTokens: 0, outputTokens: 130, cacheReadInputTokens: 26359, cacheCreationInputTokens: 13257, costUSD: 0.0741568 } },
  model_usage_since_last_result: {
    'claude-opus-5-5': { inputTokens: 0, outputTokens: 27, cacheReadInputTokens: 13222, cacheCreationInputTokens: 35, cacheCreationEphemeral1hInputTokens: 0, costUSD: 0.0033594 },
  },
  permission_denials: [],
  terminal_reason: 'completed',
});
