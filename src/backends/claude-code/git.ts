import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OrchestratorError } from '../../domain/errors.js';
import { childEnv } from '../../security/child-env.js';

const run = promisify(execFile);

/**
 * Settings that would let a repository run code when we call git (its hooks, an fsmonitor command) or
 * stall us (commit signing asks for a passphrase) are off for every git call we make.
 */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'commit.gpgsign=false', '-c', 'core.quotePath=false'];

export interface GitOptions {
  readonly cwd: string;
  /** Extra variables, e.g. GIT_INDEX_FILE for a private index. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs git with an argv array (never a shell) and the allowlisted environment; throws backend_error with git's words. */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  try {
    const { stdout } = await run('git', [...SAFE_CONFIG, ...args], {
      cwd: options.cwd,
      env: childEnv(process.env, { set: { GIT_TERMINAL_PROMPT: '0', ...options.env } }),
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new OrchestratorError('backend_error', `git ${args[0] ?? ''} failed in ${options.cwd}: ${stderr || (error as Error).message}`, undefined, { cause: error });
  }
}

/** Whether git exits 0 (for questions git answers with its exit code). */
export async function gitSucceeds(args: readonly string[], options: GitOptions): Promise<boolean> {
  try {
    await git(args, options);
    return true;
  } catch (error) {
    // A non-zero exit is the answer "no"; a missing git binary is a real failure.
    if ((error as { cause?: { code?: unknown } }).cause?.code === 'ENOENT') throw error;
    return false;
  }
}
