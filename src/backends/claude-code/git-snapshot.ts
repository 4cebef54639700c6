import { git } from './git.js';

/**
 * The whole working tree of a git worktree as a tree object, written through a private index so the
 * agent's own index (what it staged) is never touched. Two snapshots compare exactly, whatever the agent
 * committed, staged or left untracked in between; .gitignore'd files (node_modules, builds) are left out.
 */
export async function snapshotWorktree(worktree: string, indexFile: string): Promise<string> {
  const env = { GIT_INDEX_FILE: indexFile };
  await git(['add', '--all', '--', '.'], { cwd: worktree, env });
  return (await git(['write-tree'], { cwd: worktree, env })).trim();
}

/** Paths that differ between two snapshot trees, sorted. */
export async function diffTrees(worktree: string, before: string, after: string): Promise<string[]> {
  if (before === after) return [];
  const out = await git(['diff-tree', '-r', '-z', '--name-only', '--no-renames', before, after], { cwd: worktree });
  return out
    .split('\0')
    .filter((path) => path.length > 0)
    .sort();
}
