import Anthropic from '@anthropic-ai/sdk';
import { OrchestratorError } from '../../domain/errors.js';

/**
 * Maps what the Anthropic SDK throws to an OrchestratorError with a message a user can act on.
 * (Status → class is the SDK's own mapping; we only add what to do about it.)
 */
export function fromApiError(error: unknown, signal: AbortSignal): OrchestratorError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof OrchestratorError) return reason;
    return new OrchestratorError('cancelled', 'The turn was cancelled before the model finished.');
  }
  if (error instanceof Anthropic.AuthenticationError) {
    return new OrchestratorError('not_configured', `The Messages API rejected the API key (401): ${error.message}. Check ANTHROPIC_API_KEY.`, { status: 401 });
  }
  if (error instanceof Anthropic.PermissionDeniedError) {
    return new OrchestratorError('backend_error', `The API key is not allowed to do this (403): ${error.message}`, { status: 403 });
  }
  if (error instanceof Anthropic.NotFoundError) {
    return new OrchestratorError('backend_error', `The Messages API answered 404 (often an unknown model name): ${error.message}`, { status: 404 });
  }
  if (error instanceof Anthropic.BadRequestError || error instanceof Anthropic.UnprocessableEntityError) {
    return new OrchestratorError('backend_error', `The Messages API refused the request (${error.status}): ${error.message}`, { status: error.status });
  }
  if (error instanceof Anthropic.RateLimitError) {
    return new OrchestratorError('backend_unavailable', `Rate limited by the Messages API (429) after retries: ${error.message}. Try again shortly.`, { status: 429 });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return new OrchestratorError('backend_unavailable', `Cannot reach the Messages API: ${error.message}. Check the network or ANTHROPIC_BASE_URL.`);
  }
  if (error instanceof Anthropic.APIError) {
    const status = error.status ?? 'stream';
    return new OrchestratorError('backend_unavailable', `The Messages API failed (${status}): ${error.message}`, { status: error.status });
  }
  if (error instanceof OrchestratorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OrchestratorError('backend_error', `The turn failed: ${message}`, undefined, { cause: error });
}
