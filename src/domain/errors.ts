import { DEFAULTS } from '../config/defaults.js';

/** The codes every failure is classified by; transports map them to tool errors and HTTP statuses. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'invalid_state'
  | 'limit_exceeded'
  | 'not_configured'
  | 'backend_error'
  | 'backend_unavailable'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'interrupted'
  | 'internal';

/** The one error type the orchestrator throws on purpose. Messages are for the user: say what to do. */
export class OrchestratorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrchestratorError';
    this.code = code;
    this.details = details;
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  invalid_state: 409,
  limit_exceeded: 409,
  not_configured: 503,
  backend_error: 502,
  backend_unavailable: 503,
  /** The node hosting a claude-code instance is gone (or elsewhere), or this server is shutting down: nothing here can run it now. */
  unavailable: 503,
  timeout: 504,
  cancelled: 409,
  interrupted: 409,
  internal: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** What a server that is shutting down answers new work: 503, retry shortly (details.reason says why). */
export function shuttingDownError(): OrchestratorError {
  const seconds = DEFAULTS.shuttingDownRetryAfterSeconds;
  return new OrchestratorError(
    'unavailable',
    `This server is shutting down and takes no new work; retry in ${seconds} s (once it has restarted, or on another server sharing its store).`,
    { reason: 'shutting_down', retry_after_seconds: seconds },
  );
}

/** The wait a failure asks of its caller (`details.retry_after_seconds`), as whole seconds for a retry-after header. */
export function retryAfterSecondsOf(details: unknown): number | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const seconds = (details as Record<string, unknown>)['retry_after_seconds'];
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Any thrown value as an OrchestratorError; unknown failures become `internal` with their message kept. */
export function toOrchestratorError(error: unknown): OrchestratorError {
  if (error instanceof OrchestratorError) return error;
  return new OrchestratorError('internal', `Internal error: ${errorMessage(error)}`, undefined, { cause: error });
}
