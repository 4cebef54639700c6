import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../security/child-env.js';

const run = promisify(execFile);

/** The repository root (this file is src/test-support/node22.ts). */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A Node 22 binary for tools that need it (the MCP conformance suite), without touching the project's own
 * Node: the `node-<os>-<arch>@22` npm package, installed on demand into `.cache/node22` (git-ignored),
 * never into the project's node_modules, where its `node` would shadow the runtime of every npm script.
 * Needs only the npm registry. Throws with what to do when it can't.
 */
export async function ensureNode22(): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const os = process.platform === 'win32' ? 'win' : process.platform;
  if (os !== 'linux' && os !== 'darwin') throw new Error(`No node-${os}-${process.arch} package is wired up here; run the conformance suite on Linux or macOS, or with Node 22 itself.`);
  const pkg = `node-${os}-${process.arch}`;
  const prefix = join(REPO_ROOT, '.cache', 'node22');
  const binary = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(binary)) {
    // npm itself: the one running this test when there is one, else the npm next to this node.
    const npmCli = process.env['npm_execpath'];
    const [command, prefixArgs] = npmCli && /npm-cli\.c?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
    const args = [...prefixArgs, 'install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `${pkg}@22`];
    try {
      await run(command, args, { env: childEnv(process.env, { allow: ['npm_config_registry', 'NPM_CONFIG_REGISTRY', 'npm_config_cache', 'NPM_CONFIG_USERCONFIG'] }), timeout: 240_000 });
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
      throw new Error(`Could not install ${pkg}@22 into ${prefix} (the conformance suite needs Node 22; only the npm registry must be reachable): ${detail}`);
    }
  }
  const { stdout } = await run(binary, ['--version']);
  if (!stdout.startsWith('v22.')) throw new Error(`${binary} is ${stdout.trim()}, not Node 22; delete ${prefix} and run again.`);
  return binary;
}
