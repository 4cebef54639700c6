import type { Logger } from '../../observability/logger.js';
import type { AgentHome } from './agent-home.js';
import { finishWorktree, worktreeBranch } from './worktree.js';

/**
 * What ends with a terminated instance once its agent is stopped: a worktree's uncommitted work is
 * committed to its branch and the worktree removed (the branch stays); the agent's home is deleted.
 * `repository` is the repository's top level (validated), or undefined for a plain workspace.
 */
export async function releaseInstance(instanceId: string, workspace: string, repository: string | undefined, home: AgentHome, log: Logger): Promise<void> {
  if (repository !== undefined) {
    const branch = worktreeBranch(instanceId);
    const finish = await finishWorktree(repository, workspace, branch, `Work of instance ${instanceId}, committed when it was terminated`);
    log.info({ instanceId, branch, commit: finish.commit }, 'worktree committed and removed; branch kept');
  }
  await home.remove();
}
