import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { OrchestratorError } from '../domain/errors.js';

/** Longest path we accept from a user or a model; real file systems cap a path at about this. */
export const MAX_PATH_CHARS = 4096;

/**
 * Whether `target` is `base` itself or lies under it, compared by whole path segments: `/tmp/ws-evil` is
 * not inside `/tmp/ws`, which a plain `startsWith` would get wrong. Purely lexical (see resolveRealWithin).
 */
export function isWithin(base: string, target: string): boolean {
  const rel = relative(resolve(base), resolve(target));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Resolves a path a user or a model supplied (relative to `base`, or absolute) and refuses it unless it
 * stays inside `base`. Lexical only: use it for names that must not even be formed, and
 * resolveRealWithin before touching the file system, where symlinks can point anywhere.
 */
export function resolveWithin(base: string, userPath: string): string {
  if (typeof userPath !== 'string' || userPath.length === 0) throw outside(userPath, 'it is empty');
  if (userPath.length > MAX_PATH_CHARS) throw outside(userPath.slice(0, 80), `it is longer than ${MAX_PATH_CHARS} characters`);
  // A NUL byte ends the path early in the OS while the check saw the whole string.
  if (userPath.includes('\0')) throw outside(userPath, 'it contains a NUL byte');
  const root = resolve(base);
  const target = resolve(root, userPath);
  if (!isWithin(root, target)) throw outside(userPath, `it resolves to ${target}, outside ${root}`);
  return target;
}

/**
 * Like resolveWithin, then follows symlinks: the deepest part of the path that exists is resolved with
 * realpath and must still be inside the real base, so a link planted in the workspace (`out -> /etc`)
 * can't carry a write outside it. Returns the real path (the part that doesn't exist yet is appended).
 * Check right before use: a link created between the check and the use is a race no path check can close.
 */
export async function resolveRealWithin(base: string, userPath: string): Promise<string> {
  const lexical = resolveWithin(base, userPath);
  let realBase: string;
  try {
    realBase = await realpath(resolve(base));
  } catch (error) {
    throw new OrchestratorError('invalid_input', `The base directory ${resolve(base)} can't be resolved: ${(error as Error).message}`, undefined, { cause: error });
  }
  const { existing, rest } = await deepestExisting(lexical);
  const real = resolve(existing, ...rest);
  if (!isWithin(realBase, real)) throw outside(userPath, `a symlink leads it to ${real}, outside ${realBase}`);
  return real;
}

/** Walks up from `path` to the first ancestor that exists, returning its real path and the missing segments. */
async function deepestExisting(path: string): Promise<{ existing: string; rest: string[] }> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return { existing: await realpath(current), rest };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: not there yet; ENOTDIR: a file in the middle of the path. Anything else (EACCES, ELOOP) refuses.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new OrchestratorError('invalid_input', `Path ${path} can't be resolved safely: ${(error as Error).message}`, undefined, { cause: error });
      }
      // The entry is there but realpath can't follow it: a dangling symlink, which would lead wherever it points
      // once something creates its target. Refuse rather than guess.
      if (await exists(current)) throw new OrchestratorError('invalid_input', `Path ${path} goes through a broken symlink (${current}); refusing it.`);
      const parent = dirname(current);
      if (parent === current) return { existing: current, rest };
      rest.unshift(current.slice(parent.length).replace(/^[\\/]+/, ''));
      current = parent;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

function outside(userPath: unknown, why: string): OrchestratorError {
  return new OrchestratorError('invalid_input', `Path ${JSON.stringify(userPath)} is not allowed: ${why}. Paths must stay inside the workspace.`);
}
