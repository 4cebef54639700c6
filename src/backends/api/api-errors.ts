import Anthropic from '@anthropic-ai/sdk';
import { OrchestratorError } from '../../domain/errors.js';
import { countOf } from '../../text/human-format.js';
import { classifyFailure } from './api-failure.js';
import { clockTime } from './hold-refusal.js';
import type { GiveUpReason } from './retry-policy.js';

/** How the retries of a failed call went, so the error can say so. */
export interface RetryHistory {
  readonly retries: number;
  readonly gaveUp: GiveUpReason;
  readonly elapsedMs: number;
  /** The server's retry-after on the last failure, and when (wall ms) it ends, when it sent one. */
  readonly retryAfterMs?: number;
  readonly retryAtWallMs?: number;
}

/**
 * Maps what the Anthropic SDK throws to an OrchestratorError with a message a user can act on.
 * (Status → class is the SDK's own mapping; we only add what to do about it, and how retrying went.)
 */
export function fromApiError(error: unknown, signal: AbortSignal, history?: RetryHistory): OrchestratorError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof OrchestratorError) return reason;
    return new OrchestratorError('cancelled', 'The turn was cancelled before the model finished.');
  }
  if (error instanceof OrchestratorError) return error;
  const mapped = mapError(error);
  if (!history) return mapped;
  const details = { ...mapped.details, retries: history.retries, gave_up: history.gaveUp };
  if (history.retryAfterMs !== undefined && history.retryAtWallMs !== undefined && history.gaveUp !== 'not_retryable' && history.gaveUp !== 'out_of_retries') {
    // The server said how long to wait and it was longer than we could: say until when, not "shortly".
    const wait = `The Messages API asked to wait until ${clockTime(history.retryAtWallMs)} (retry-after ${Math.ceil(history.retryAfterMs / 1000)} s)`;
    const bound = history.gaveUp === 'past_deadline' ? "this turn's timeout" : 'API_RETRY_MAX_SECONDS';
    const message = `${mapped.message.replace(/ Try again shortly\.$/, '')} ${wait}, longer than ${bound} allows waiting; try again after that.`;
    return new OrchestratorError(mapped.code, message, { ...details, retry_after_seconds: Math.ceil(history.retryAfterMs / 1000), retry_at: new Date(history.retryAtWallMs).toISOString() }, { cause: error });
  }
  return new OrchestratorError(mapped.code, `${mapped.message}${retryNote(history)}`, details, { cause: error });
}

function mapError(error: unknown): OrchestratorError {
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
    return new OrchestratorError('backend_unavailable', `Rate limited by the Messages API (429): ${error.message}. Try again shortly.`, { status: 429 });
  }
  if (error instanceof Anthropic.OverloadedError) {
    return new OrchestratorError('backend_unavailable', `The Messages API is overloaded (529): ${error.message}. Try again shortly.`, { status: 529 });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return new OrchestratorError('backend_unavailable', `Cannot reach the Messages API: ${error.message}. Check the network or ANTHROPIC_BASE_URL.`);
  }
  if (error instanceof Anthropic.APIError && error.status !== undefined) {
    // Another 4xx is about this request and will not pass on its own; 5xx and the like are the API's trouble.
    const code = error.status < 500 && error.status !== 408 && error.status !== 409 ? 'backend_error' : 'backend_unavailable';
    return new OrchestratorError(code, `The Messages API failed (${error.status}): ${error.message}`, { status: error.status });
  }
  const failure = classifyFailure(error, Date.now());
  if (failure.kind === 'stream_error') {
    // The partial reply is dropped: a turn that failed mid-stream is a failed turn, never a short success.
    return new OrchestratorError('backend_unavailable', `The Messages API failed mid-reply (${failure.errorType}): ${failure.message}. The partial reply was discarded.`, { error_type: failure.errorType });
  }
  if (failure.kind === 'stalled') {
    return new OrchestratorError('backend_unavailable', `${failure.message} The partial reply was discarded.`, { stalled: true });
  }
  if (failure.kind === 'connection') {
    return new OrchestratorError('backend_unavailable', `The connection to the Messages API dropped mid-reply (${failure.message}); the partial reply was discarded.`);
  }
  return new OrchestratorError('backend_error', `The turn failed: ${failure.message}`, undefined, { cause: error });
}

function retryNote(history: RetryHistory): string {
  const seconds = Math.round(history.elapsedMs / 100) / 10;
  switch (history.gaveUp) {
    case 'out_of_retries':
      return ` Gave up after ${countOf(history.retries, 'retry', 'retries')} over ${seconds} s (API_MAX_RETRIES).`;
    case 'out_of_time':
      return ` Gave up after ${countOf(history.retries, 'retry', 'retries')} over ${seconds} s: the next wait would pass API_RETRY_MAX_SECONDS.`;
    case 'past_deadline':
      return ` Gave up after ${countOf(history.retries, 'retry', 'retries')} over ${seconds} s: the next wait would pass this turn's timeout.`;
    case 'not_retryable':
      return history.retries > 0 ? ` (Not retryable; it came after ${countOf(history.retries, 'retry', 'retries')}.)` : '';
  }
}
