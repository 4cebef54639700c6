import { join } from 'node:path';

/** Where agent records and homes live: a server that died leaves its records, and the next one to start ends their agents. */
export function agentsDir(workspaceDir: string): string {
  return join(workspaceDir, '.agents');
}
