import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFiles, numstatPaths, parseNumstat } from './file-evidence.js';

const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('changed files as they are on disk', () => {
  it('gives size and sha256 of each file, relative or absolute, and marks a removed one deleted', async () => {
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    const outside = join(mkdtempSync(join(tmpdir(), 'evidence-out-')), 'b.bin');
    writeFileSync(outside, Buffer.from([0, 1, 2, 255]));
    const files = await describeFiles(dir, ['a.txt', outside, 'gone.txt'], new Map([['a.txt', { added: 1, removed: 0 }]]));
    expect(files).toEqual([
      { path: 'a.txt', bytes: 6, sha256: sha(join(dir, 'a.txt')), added: 1, removed: 0 },
      { path: outside, bytes: 4, sha256: sha(outside) },
      { path: 'gone.txt', bytes: null, sha256: null, deleted: true },
    ]);
    rmSync(outside);
  });

  it('lists a symlink and files past the hashing limits by size only, never reading them', async () => {
    writeFileSync(join(dir, 'small'), 'ab');
    writeFileSync(join(dir, 'big'), 'x'.repeat(100));
    writeFileSync(join(dir, 'third'), 'c');
    symlinkSync('small', join(dir, 'link'));
    const files = await describeFiles(dir, ['small', 'big', 'link', 'third'], undefined, { fileBytes: 50, files: 3, totalBytes: 1_000 });
    expect(files).toEqual([
      { path: 'small', bytes: 2, sha256: sha(join(dir, 'small')) },
      { path: 'big', bytes: 100, sha256: null },
      { path: 'link', bytes: 5, sha256: null },
      { path: 'third', bytes: 1, sha256: null },
    ]);
    const total = await describeFiles(dir, ['small', 'third'], undefined, { fileBytes: 50, files: 10, totalBytes: 2 });
    expect(total.map((f) => f.sha256 !== null)).toEqual([true, false]);
  });

  it("reads git's numstat, skipping binary files", () => {
    const stats = parseNumstat('3\t1\tsrc/a.ts\0-\t-\tlogo.png\x000\t5\tdir with space/b.md\0');
    expect([...stats]).toEqual([
      ['src/a.ts', { added: 3, removed: 1 }],
      ['dir with space/b.md', { added: 0, removed: 5 }],
    ]);
    // The changed paths come from the same output, binary files and tabs in names included.
    expect(numstatPaths('3\t1\tsrc/a.ts\0-\t-\tlogo.png\x001\t0\tx\ty.md\0')).toEqual(['logo.png', 'src/a.ts', 'x\ty.md']);
  });
});
