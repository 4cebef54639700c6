// Build: compile src/ to dist/ with the project's own TypeScript, then mark the CLI executable.
// Runs from `prepare`, so `npm ci` alone leaves a runnable bin.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('build produced no dist/cli.js');
chmodSync(cli, 0o755);
