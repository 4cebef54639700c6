import { describe, expect, it } from 'vitest';
import { errorFromResult } from './result-errors.js';
import type { ResultMessage } from './stream-json.js';

function result(extra: Partial<ResultMessage>): ResultMessage {
  return {
    type: 'result',
    subtype: 'error_during_execution',
    is_error: true,
    session_id: 's',
    usage: { input_tokens: 0, output_tokens: 0 },
    total_cost_usd: 0,
    num_turns: 1,
    ...extra,
  } as ResultMessage;
}

describe('errorFromResult: a failed agent turn as an error a user can act on', () => {
  it('points at the key on a 401', () => {
    const e = errorFromResult(result({ api_error_status: 401, result: 'invalid x-api-key' }));
    expect(e.code).toBe('not_configured');
    expect(e.message).toBe("The Messages API rejected the agent's credentials (401): invalid x-api-key. Check ANTHROPIC_API_KEY.");
    expect(e.details).toMatchObject({ status: 401, subtype: 'error_during_execution' });
  });

  it.each([429, 529, 500, 503])('says the API is unavailable, to try again, on %i', (status) => {
    const e = errorFromResult(result({ api_error_status: status, errors: ['overloaded', 'still overloaded'] }));
    expect(e.code).toBe('backend_unavailable');
    expect(e.message).toBe(`The Messages API is unavailable for the agent (${status}): overloaded; still overloaded. Try again shortly.`);
  });

  it('names the terminal reason of any other failure, else its subtype, and says at least the subtype', () => {
    expect(errorFromResult(result({ api_error_status: 400, terminal_reason: 'max_turns', result: 'stopped' })).message).toBe(
      'The Claude Code agent failed the turn (max_turns): stopped',
    );
    const bare = errorFromResult(result({ api_error_status: null }));
    expect(bare.code).toBe('backend_error');
    expect(bare.message).toBe('The Claude Code agent failed the turn (error_during_execution): error_during_execution');
    expect(bare.details).toMatchObject({ status: undefined });
  });

  it('keeps what the agent said to 1,000 characters', () => {
    const e = errorFromResult(result({ result: 'x'.repeat(5_000) }));
    expect(e.message.length).toBeLessThan(1_100);
  });
});
