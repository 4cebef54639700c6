import { lstat, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OrchestratorError } from '../domain/errors.js';

/**
 * Makes sure WORKSPACE_DIR is ours before anything is put in it. The default lives in /tmp, where any local
 * user could create `/tmp/claude_orchestrator` first, as a symlink to somewhere of theirs or as a directory
 * they can write, and then read or swap the workspaces (and the store) of every instance. So the directory
 * is created with mode 700 when missing; when present it must be a real directory (not a symlink), owned by
 * this user and not writable by group or others.
 */
export async function ensureSafeWorkspaceBase(dir: string): Promise<void> {
  const base = resolve(dir);
  try {
    await mkdir(base, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new OrchestratorError('internal', `Cannot create WORKSPACE_DIR ${base}: ${(error as Error).message}.`, undefined, { cause: error });
  }
  const stat = await lstat(base);
  const fix = `Remove it, or point WORKSPACE_DIR at a directory of your own (e.g. ~/.claude-orchestrator).`;
  if (stat.isSymbolicLink()) throw new OrchestratorError('invalid_state', `WORKSPACE_DIR ${base} is a symlink, which anyone who made it can redirect. ${fix}`);
  if (!stat.isDirectory()) throw new OrchestratorError('invalid_state', `WORKSPACE_DIR ${base} is not a directory. ${fix}`);
  const uid = process.getuid?.();
  // Ownership and mode bits mean nothing on Windows (no getuid); the ACLs of the user's profile apply there.
  if (uid === undefined) return;
  if (stat.uid !== uid) throw new OrchestratorError('invalid_state', `WORKSPACE_DIR ${base} belongs to another user (uid ${stat.uid}). ${fix}`);
  if ((stat.mode & 0o022) !== 0) {
    throw new OrchestratorError('invalid_state', `WORKSPACE_DIR ${base} is writable by other users (mode ${(stat.mode & 0o777).toString(8)}). Run \`chmod go-w ${base}\`, or ${fix.charAt(0).toLowerCase()}${fix.slice(1)}`);
  }
}
