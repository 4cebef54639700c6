import { numstatPaths, parseNumstat, type LineStats } from '../../evidence/file-evidence.js';
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

/** Paths that differ between two snapshot trees, sorted, with the lines added and removed of each text file: one `git diff-tree`. */
export async function diffTrees(worktree: string, before: string, after: string): Promise<{ paths: string[]; lines: LineStats }> {
  if (before === after) return { paths: [], lines: new Map() };
  const out = await git(['diff-tree', '-r', '-z', '--numstat', '--no-renames', before, after], { cwd: worktree });
  return { paths: numstatPaths(out), lines: parseNumstat(out) };
}
