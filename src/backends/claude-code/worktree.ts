import { realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { OrchestratorError } from '../../domain/errors.js';
import { git, gitSucceeds } from './git.js';

/** The branch an instance works on: one per instance, so agents on one repository never share a checkout. */
export function worktreeBranch(instanceId: string): string {
  return `orchestrator/${instanceId}`;
}

/**
 * Checks that `path` names a git repository we can branch from (absolute, existing, with a commit) and
 * returns its top-level directory. Errors say what to fix: spawn input is validated here.
 */
export async function validateRepository(path: string): Promise<string> {
  const bad = (why: string) => new OrchestratorError('invalid_input', `repository ${JSON.stringify(path)} can't be used: ${why}.`);
  if (!isAbsolute(path)) throw bad('give an absolute path');
  try {
    if (!(await stat(path)).isDirectory()) throw bad('it is not a directory');
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    throw bad(`it can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!(await gitSucceeds(['rev-parse', '--is-inside-work-tree'], { cwd: path }))) throw bad('it is not a git repository (git init it first)');
  if (!(await gitSucceeds(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: path }))) throw bad('it has no commit yet to branch from');
  return realpath((await git(['rev-parse', '--show-toplevel'], { cwd: path })).trim());
}

/**
 * Makes `path` a worktree of `repository` on the instance's branch, starting at the repository's HEAD.
 * Idempotent: a server that restarts finds the worktree (or at least the branch) and keeps using it.
 */
export async function ensureWorktree(repository: string, path: string, branch: string): Promise<void> {
  if (await isWorktreeOn(path, branch)) return;
  const exists = await gitSucceeds(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: repository });
  await git(exists ? ['worktree', 'add', path, branch] : ['worktree', 'add', '-b', branch, path, 'HEAD'], { cwd: repository });
}

export interface WorktreeFinish {
  /** The commit made from uncommitted work, or null when there was nothing to commit. */
  readonly commit: string | null;
}

/**
 * Ends a worktree without losing anything: commits all uncommitted work (tracked, untracked, deletions) to
 * its branch, removes the worktree, keeps the branch.
 */
export async function finishWorktree(repository: string, path: string, branch: string, message: string): Promise<WorktreeFinish> {
  let commit: string | null = null;
  if (await isWorktreeOn(path, branch)) {
    await git(['add', '--all', '--', '.'], { cwd: path });
    const clean = await gitSucceeds(['diff', '--cached', '--quiet'], { cwd: path });
    if (!clean) {
      await git(['-c', 'user.name=claude-orchestrator', '-c', 'user.email=claude-orchestrator@localhost', 'commit', '--no-verify', '--quiet', '-m', message], { cwd: path });
      commit = (await git(['rev-parse', 'HEAD'], { cwd: path })).trim();
    }
    await git(['worktree', 'remove', '--force', path], { cwd: repository });
  }
  // A worktree directory deleted by hand leaves git's bookkeeping behind; prune it so the branch is free.
  await git(['worktree', 'prune'], { cwd: repository });
  return { commit };
}

async function isWorktreeOn(path: string, branch: string): Promise<boolean> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const real = await realpath(path);
  if (!(await gitSucceeds(['rev-parse', '--is-inside-work-tree'], { cwd: real }))) return false;
  const top = await realpath((await git(['rev-parse', '--show-toplevel'], { cwd: real })).trim());
  if (top !== real) return false;
  // Prints plain HEAD when detached, so any other checkout simply doesn't match.
  const head = (await git(['rev-parse', '--symbolic-full-name', 'HEAD'], { cwd: real })).trim();
  return head === `refs/heads/${branch}`;
}
