import type { Logger } from '../../observability/logger.js';
import { AgentRegistry } from './agent-registry.js';
import { agentsDir } from './agents-dir.js';
import { currentProcess } from './process-identity.js';

/**
 * Ends every Claude Code agent this process started under WORKSPACE_DIR, with everything they started
 * (SIGTERM to their process groups and marked processes, SIGKILL after `graceMs`), from the agent records
 * alone: it works whatever state the orchestrator is in. Returns the agents' pids.
 */
export function endOwnAgents(workspaceDir: string, graceMs: number, log: Logger): Promise<number[]> {
  return new AgentRegistry(agentsDir(workspaceDir), currentProcess(), log).endOwn(graceMs);
}
