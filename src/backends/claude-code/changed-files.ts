import { isAbsolute, resolve } from 'node:path';
import { isWithin } from '../../security/safe-path.js';
import type { ToolCallRecord } from '../backend.js';
import { describeFiles, type LineStats } from '../../evidence/file-evidence.js';
import type { FileEvidence } from '../../evidence/types.js';
import { diffSnapshots, snapshotDir, type DirSnapshot } from './dir-snapshot.js';
import { diffTrees, snapshotWorktree } from './git-snapshot.js';

/** Finds the files a turn changed: snapshot before, snapshot after, compare. */
export interface ChangeTracker {
  snapshot(): Promise<WorkspaceSnapshot>;
  /** Workspace-relative paths changed between two snapshots, then absolute paths the file tools wrote outside it. */
  changed(before: WorkspaceSnapshot, after: WorkspaceSnapshot, toolCalls: readonly ToolCallRecord[]): Promise<TurnChanges>;
  /** The changed files as they are on disk now (size, sha256), with lines added/removed in a worktree: the turn's evidence. */
  describe(changes: TurnChanges): Promise<FileEvidence[]>;
}

/** What a turn changed: the paths, and in a worktree the lines added and removed (from the same git diff). */
export interface TurnChanges {
  readonly paths: string[];
  readonly lines?: LineStats;
}

export type WorkspaceSnapshot = { readonly kind: 'dir'; readonly dir: DirSnapshot } | { readonly kind: 'git'; readonly tree: string };

/** A worktree is compared through git (respecting .gitignore); a plain directory by file states. */
export function changeTracker(workspace: string, worktreeIndexFile: string | undefined): ChangeTracker {
  return {
    async snapshot() {
      if (worktreeIndexFile !== undefined) return { kind: 'git', tree: await snapshotWorktree(workspace, worktreeIndexFile) };
      return { kind: 'dir', dir: await snapshotDir(workspace) };
    },
    async changed(before, after, toolCalls) {
      const inside: TurnChanges =
        before.kind === 'git' && after.kind === 'git'
          ? await diffTrees(workspace, before.tree, after.tree)
          : { paths: before.kind === 'dir' && after.kind === 'dir' ? diffSnapshots(before.dir, after.dir) : [] };
      return { ...inside, paths: [...inside.paths, ...writtenOutside(workspace, toolCalls)] };
    },
    describe(changes) {
      return describeFiles(workspace, changes.paths, changes.lines);
    },
  };
}

/** File tools and the input field that names the file they write. */
const WRITING_TOOLS: Readonly<Record<string, string>> = { Write: 'file_path', Edit: 'file_path', MultiEdit: 'file_path', NotebookEdit: 'notebook_path' };

/** Absolute paths outside the workspace that a file tool wrote successfully (allowed by the user when asked). */
function writtenOutside(workspace: string, toolCalls: readonly ToolCallRecord[]): string[] {
  const out = new Set<string>();
  for (const call of toolCalls) {
    const field = WRITING_TOOLS[call.name];
    if (field === undefined || call.isError) continue;
    const path = (call.input as Record<string, unknown> | null)?.[field];
    if (typeof path !== 'string' || path.length === 0) continue;
    const absolute = isAbsolute(path) ? path : resolve(workspace, path);
    if (!isWithin(workspace, absolute)) out.add(absolute);
  }
  return [...out].sort();
}
