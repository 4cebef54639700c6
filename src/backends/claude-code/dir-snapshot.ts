import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file under a directory with what changes when it is written: size, mtime and ctime in ns, inode. */
export interface DirSnapshot {
  readonly files: ReadonlyMap<string, string>;
  /** True when the walk stopped at the limit: changes past it are not seen. */
  readonly truncated: boolean;
}

/** Enough for any workspace a person would hand an agent; a runaway tree (a huge node_modules) stops here. */
export const SNAPSHOT_FILE_LIMIT = 50_000;

/**
 * The state of every file under `root` (symlinks as links, never followed; `.git` skipped). Comparing two
 * snapshots finds what changed by any means, a shell command included, not just the file tools.
 */
export async function snapshotDir(root: string, limit = SNAPSHOT_FILE_LIMIT): Promise<DirSnapshot> {
  const files = new Map<string, string>();
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // Removed while we walked, or made unreadable by the agent: nothing under it can be listed.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') continue;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') stack.push(path);
        continue;
      }
      if (files.size >= limit) return { files, truncated: true };
      const stats = await lstatOrUndefined(path);
      if (stats) files.set(relative(root, path), `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`);
    }
  }
  return { files, truncated: false };
}

/** Paths added, changed or removed between two snapshots, sorted. */
export function diffSnapshots(before: DirSnapshot, after: DirSnapshot): string[] {
  const changed = new Set<string>();
  for (const [path, state] of after.files) if (before.files.get(path) !== state) changed.add(path);
  for (const path of before.files.keys()) if (!after.files.has(path)) changed.add(path);
  return [...changed].sort();
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path, { bigint: true });
  } catch (error) {
    // Deleted between the listing and the stat: it simply isn't there in this snapshot.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
