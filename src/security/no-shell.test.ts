import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Child processes start from an argv array (execFile/spawn), never through a shell: nothing a user or a
// model writes can become shell syntax. This audit keeps it so for every file in the repository's code.
const ROOT = new URL('../../', import.meta.url).pathname;
const SCANNED = ['src', 'bench', 'scripts', 'test'];

function files(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [join(dir, e.name)] : []));
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bshell\s*:\s*(true|['"`])/, 'a spawn option shell'],
  [/import\s*\{[^}]*\b(exec|execSync)\b[^}]*\}\s*from\s*['"](node:)?child_process['"]/, 'exec/execSync (they run a shell)'],
  [/child_process['"]\)\s*\.\s*(exec|execSync)\b/, 'exec/execSync (they run a shell)'],
  [/\b(child_process|cp)\.(exec|execSync)\(/, 'exec/execSync (they run a shell)'],
];

describe('child processes', () => {
  it('are never started through a shell anywhere in the code', () => {
    const all = SCANNED.flatMap((d) => files(join(ROOT, d)));
    expect(all.length).toBeGreaterThan(50);
    const offences = all.flatMap((file) => {
      // This file names the patterns it looks for.
      if (file.endsWith('no-shell.test.ts')) return [];
      const text = readFileSync(file, 'utf8');
      return FORBIDDEN.filter(([pattern]) => pattern.test(text)).map(([, what]) => `${relative(ROOT, file)}: ${what}`);
    });
    expect(offences).toEqual([]);
  });
});
