import { mkdir, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OrchestratorError } from '../domain/errors.js';
import { isWithin } from '../security/safe-path.js';
import { ensureSafeWorkspaceBase } from '../security/workspace-base.js';

/** Instance ids are the only names used under the base directory; they never come from user text. */
const SAFE_NAME = /^[a-z]+_[0-9a-f]{32}$/;

/** The workspace path of an instance, guaranteed to sit directly inside the base directory. */
export function workspacePath(baseDir: string, instanceId: string): string {
  if (!SAFE_NAME.test(instanceId)) throw new OrchestratorError('invalid_input', `Not a valid instance id for a workspace: ${instanceId}`);
  const base = resolve(baseDir);
  const path = join(base, instanceId);
  if (path === base || !isWithin(base, path)) throw new OrchestratorError('invalid_input', 'Workspace path escapes the base directory.');
  return path;
}

export async function createWorkspace(baseDir: string, instanceId: string): Promise<string> {
  const path = workspacePath(baseDir, instanceId);
  await ensureSafeWorkspaceBase(baseDir);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new OrchestratorError(
      'internal',
      `Cannot create the workspace ${path}: ${(error as Error).message}. Check that WORKSPACE_DIR is writable.`,
      undefined,
      { cause: error },
    );
  }
  return path;
}

export async function removeWorkspace(baseDir: string, instanceId: string): Promise<void> {
  const path = workspacePath(baseDir, instanceId);
  try {
    // Most workspaces of api instances stay empty: one rmdir is all it takes (a recursive rm walks first).
    await rmdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    await rm(path, { recursive: true, force: true });
  }
}
