import { OrchestratorError } from '../domain/errors.js';

/**
 * A failed listen as one line that says what to do, instead of Node's EADDRINUSE stack trace. Undefined for
 * anything that isn't a listen failure we can explain (the caller rethrows it as it was).
 */
export function listenError(error: unknown, host: string, port: number): OrchestratorError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = { cause: error };
  if (code === 'EADDRINUSE') return new OrchestratorError('invalid_state', `port ${port} is in use: pass --port N or stop the other server`, { port }, cause);
  if (code === 'EACCES') {
    return new OrchestratorError('invalid_state', `port ${port} needs privileges to listen on: pass --port N with N above 1023`, { port }, cause);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new OrchestratorError('invalid_state', `cannot listen on host ${JSON.stringify(host)}: it is not an address of this machine; pass --host with one that is (localhost, 0.0.0.0)`, { host }, cause);
  }
  return undefined;
}
