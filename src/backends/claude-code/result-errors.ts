import { OrchestratorError } from '../../domain/errors.js';
import type { ResultMessage } from './stream-json.js';

/** A failed turn of the agent as an error a user can act on, from the status the API gave the CLI. */
export function errorFromResult(result: ResultMessage): OrchestratorError {
  const said = (result.result ?? (result.errors ?? []).join('; ')).slice(0, 1_000) || result.subtype;
  const status = result.api_error_status ?? undefined;
  const details = { status, subtype: result.subtype, terminal_reason: result.terminal_reason };
  if (status === 401) return new OrchestratorError('not_configured', `The Messages API rejected the agent's credentials (401): ${said}. Check ANTHROPIC_API_KEY.`, details);
  if (status === 429 || status === 529 || (status !== undefined && status >= 500)) {
    return new OrchestratorError('backend_unavailable', `The Messages API is unavailable for the agent (${status}): ${said}. Try again shortly.`, details);
  }
  return new OrchestratorError('backend_error', `The Claude Code agent failed the turn (${result.terminal_reason ?? result.subtype}): ${said}`, details);
}
