import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomId } from '../domain/ids.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Compiles one TypeScript entry (and what it imports) to JavaScript a child `node` can run, without
 * touching dist/: tests that need a real second process (a server to kill -9) stay independent of the
 * build. The output sits under node_modules/.cache so the child resolves packages like the project does.
 * Returns the compiled entry and a way to delete the build.
 */
export function compileForChild(entry: string): { entry: string; remove: () => void } {
  const outDir = join(ROOT, 'node_modules', '.cache', 'claude-orchestrator-tests', randomId('build'));
  mkdirSync(outDir, { recursive: true });
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const args = ['--ignoreConfig', '--noCheck', '--outDir', outDir, '--rootDir', join(ROOT, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', entry];
  execFileSync(process.execPath, [tsc, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // node_modules is a package boundary: say again that these files are ES modules.
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return {
    entry: join(outDir, relative(join(ROOT, 'src'), entry).replace(/\.ts$/, '.js')),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
