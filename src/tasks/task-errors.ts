import { OrchestratorError } from '../domain/errors.js';

/** Why an aborted task stopped: the abort's own message. */
export function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'Cancelled.';
}

export function notFound(id: string, kept: number): OrchestratorError {
  return new OrchestratorError('not_found', `Task not found: ${JSON.stringify(id)}. Finished tasks are kept for the last ${kept} tasks of a server, and in its store.`);
}
