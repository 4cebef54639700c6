// Build: compile src/ to dist/ with the project's own TypeScript (the library, its types, and every module),
// then bundle the CLI (dist/cli.js) with esbuild so a server starts without resolving and reading hundreds of
// module files: an MCP client starts a stdio server for every session, and start-up is what it waits on.
// Runs from `prepare`, so `npm ci` alone leaves a runnable bin.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
// The dashboard's hand-written page, script and styles: next to dist/dashboard for the library, written into the bin below.
const dashboardAssets = join(root, 'src', 'dashboard', 'assets');
cpSync(dashboardAssets, join(root, 'dist', 'dashboard', 'assets'), { recursive: true });

await build({
  entryPoints: { cli: join(root, 'dist', 'cli.js') },
  outdir: join(root, 'dist'),
  chunkNames: 'bin/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // Maps back to src/*.ts (through tsc's maps), beside each chunk but not linked from it: only the coverage of
  // spawned bins reads them (scripts/coverage-provider.mjs); a running bin never loads them.
  sourcemap: 'external',
  legalComments: 'linked',
  allowOverwrite: true,
  logLevel: 'warning',
  // Native (better-sqlite3), or loaded only for the first model call or agent (the SDK, the Claude Code CLI).
  external: ['better-sqlite3', '@anthropic-ai/sdk', '@anthropic-ai/claude-code'],
  // A few bundled dependencies call require(): give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [
    {
      // version.ts reads package.json next to dist/; in a bundle chunk that path moves, so the version is written in.
      name: 'version',
      setup(b) {
        b.onLoad({ filter: /[/\\]dist[/\\]version\.js$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)};`, loader: 'js' }));
      },
    },
    {
      // The dashboard's files as strings in the bin, so it serves them without reading (or finding) any file.
      name: 'dashboard-assets',
      setup(b) {
        b.onLoad({ filter: /[/\\]dist[/\\]dashboard[/\\]asset-files\.js$/ }, () => {
          const files = Object.fromEntries(readdirSync(dashboardAssets).map((name) => [name, readFileSync(join(dashboardAssets, name), 'utf8')]));
          return { contents: `export const ASSET_FILES = ${JSON.stringify(Object.keys(files))};\nexport function readAssetFiles() { return ${JSON.stringify(files)}; }`, loader: 'js' };
        });
      },
    },
  ],
});

const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('build produced no dist/cli.js');
chmodSync(cli, 0o755);
