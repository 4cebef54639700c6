import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots, snapshotDir } from './dir-snapshot.js';

describe('plain-directory change tracking', () => {
  it('finds files added, changed (even to the same size) and removed, by any means; .git is skipped', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-snap-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, 'src', 'keep.ts'), 'same');
    writeFileSync(join(root, 'src', 'edit.ts'), 'aaaa');
    writeFileSync(join(root, 'gone.txt'), 'x');
    const before = await snapshotDir(root);

    writeFileSync(join(root, 'src', 'edit.ts'), 'bbbb');
    // Same size and a clock that may not have ticked: mtime set apart explicitly, as a slow write would.
    utimesSync(join(root, 'src', 'edit.ts'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    rmSync(join(root, 'gone.txt'));
    writeFileSync(join(root, 'new.txt'), 'n');
    writeFileSync(join(root, '.git', 'index'), 'ignored');
    const after = await snapshotDir(root);

    expect(diffSnapshots(before, after)).toEqual(['gone.txt', 'new.txt', 'src/edit.ts']);
    expect(after.truncated).toBe(false);
  });

  it('stops at its file limit and says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-snap-'));
    for (let i = 0; i < 5; i++) writeFileSync(join(root, `f${i}`), '');
    const snapshot = await snapshotDir(root, 3);
    expect(snapshot.truncated).toBe(true);
    expect(snapshot.files.size).toBe(3);
  });
});
