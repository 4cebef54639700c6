import { z } from 'zod';

/** What a claude-code instance saves with each turn (TurnResult.backendState) to be resumed after a restart. */
const stateSchema = z.object({ claudeCode: z.object({ sessionId: z.uuid() }) });

/** The saved session id, or undefined when there is no (readable) state: then the id is derived from the instance id. */
export function parseBackendState(raw: string | null | undefined): { sessionId: string } | undefined {
  if (raw === null || raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw) as unknown;
  } catch {
    // Not JSON (another backend's state, or damaged): the id derived from the instance id still finds the session.
    return undefined;
  }
  const parsed = stateSchema.safeParse(json);
  return parsed.success ? parsed.data.claudeCode : undefined;
}
