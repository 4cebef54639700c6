import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { FileEvidence } from './types.js';

/** Larger files are listed with their size but not hashed: a turn's result never waits on reading gigabytes. */
export const MAX_HASHED_BYTES = 64 * 1024 * 1024;
/** A turn that changed more files than this (a build, an install) gets the rest listed by size only. */
export const MAX_HASHED_FILES = 500;
/** And no turn reads more than this in all to hash its files: the rest are listed by size only. */
export const MAX_HASHED_TOTAL_BYTES = 256 * 1024 * 1024;

export interface HashLimits {
  readonly fileBytes: number;
  readonly files: number;
  readonly totalBytes: number;
}

const HASH_LIMITS: HashLimits = { fileBytes: MAX_HASHED_BYTES, files: MAX_HASHED_FILES, totalBytes: MAX_HASHED_TOTAL_BYTES };

/** Lines added and removed per path (a git worktree's numstat). */
export type LineStats = ReadonlyMap<string, { readonly added: number; readonly removed: number }>;

/**
 * The changed files as they are on disk now: size and sha256 of each (read after the turn, streamed), gone
 * ones marked deleted, with line stats where git gave them. `paths` are workspace-relative or absolute.
 */
export async function describeFiles(workspace: string, paths: readonly string[], lines?: LineStats, limits: HashLimits = HASH_LIMITS): Promise<FileEvidence[]> {
  const out: FileEvidence[] = [];
  let read = 0;
  for (const [index, path] of paths.entries()) {
    const absolute = isAbsolute(path) ? path : join(workspace, path);
    const stats = lines?.get(path);
    const counted = stats ? { added: stats.added, removed: stats.removed } : {};
    const info = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (info === undefined) {
      out.push({ path, bytes: null, sha256: null, deleted: true, ...counted });
      continue;
    }
    const hashable = info.isFile() && info.size <= limits.fileBytes && index < limits.files && read + info.size <= limits.totalBytes;
    if (hashable) read += info.size;
    out.push({ path, bytes: info.size, sha256: hashable ? await sha256Of(absolute) : null, ...counted });
  }
  return out;
}

/** The sha256 of a file's content, hex; null when it went away or became unreadable while we read it. */
export function sha256Of(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path);
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('end', () => resolve(hash.digest('hex')));
    // Removed or locked by the agent between the stat and the read: its content can't be vouched for.
    stream.on('error', () => resolve(null));
  });
}

/** Every path in `git diff-tree -r -z --numstat` output, binary files included, sorted. */
export function numstatPaths(output: string): string[] {
  return output
    .split('\0')
    .map((record) => record.split('\t').slice(2).join('\t'))
    .filter((path) => path.length > 0)
    .sort();
}

/** Parses `git diff-tree -r -z --numstat` output: "added\tremoved\tpath\0" per file, "-\t-" for binary files. */
export function parseNumstat(output: string): LineStats {
  const stats = new Map<string, { added: number; removed: number }>();
  for (const record of output.split('\0')) {
    const [added, removed, ...rest] = record.split('\t');
    const path = rest.join('\t');
    if (path.length === 0 || added === undefined || removed === undefined || added === '-' || removed === '-') continue;
    stats.set(path, { added: Number(added), removed: Number(removed) });
  }
  return stats;
}
