import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWithin, resolveRealWithin, resolveWithin } from './safe-path.js';

// A real layout: <root>/claude_orchestrator is the base, <root>/claude_orchestrator-evil sits next to it.
let root: string;
let base: string;
beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'safe-path-')));
  base = join(root, 'claude_orchestrator');
  mkdirSync(join(base, 'inst_a', 'src'), { recursive: true });
  mkdirSync(join(root, 'claude_orchestrator-evil'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'secret.txt'), 'secret');
  symlinkSync(join(root, 'outside'), join(base, 'inst_a', 'escape'));
  symlinkSync(join(base, 'inst_a', 'src'), join(base, 'inst_a', 'inner-link'));
  symlinkSync(join(root, 'outside', 'secret.txt'), join(base, 'inst_a', 'file-link'));
  symlinkSync(join(root, 'nowhere'), join(base, 'inst_a', 'dangling'));
});

describe('isWithin', () => {
  it('compares whole path segments, so a sibling sharing the prefix is outside', () => {
    expect(isWithin('/tmp/claude_orchestrator', '/tmp/claude_orchestrator')).toBe(true);
    expect(isWithin('/tmp/claude_orchestrator', '/tmp/claude_orchestrator/inst_a/x')).toBe(true);
    expect(isWithin('/tmp/claude_orchestrator', '/tmp/claude_orchestrator-evil')).toBe(false);
    expect(isWithin('/tmp/claude_orchestrator', '/tmp/claude_orchestrator-evil/x')).toBe(false);
    expect(isWithin('/tmp/claude_orchestrator', '/tmp')).toBe(false);
    expect(isWithin('/tmp/claude_orchestrator/', '/tmp/claude_orchestrator/..x')).toBe(true);
  });
});

describe('resolveWithin (lexical)', () => {
  it('resolves relative and absolute paths that stay inside', () => {
    expect(resolveWithin(base, 'inst_a/src/app.ts')).toBe(join(base, 'inst_a', 'src', 'app.ts'));
    expect(resolveWithin(base, './inst_a/../inst_a/x')).toBe(join(base, 'inst_a', 'x'));
    expect(resolveWithin(base, join(base, 'inst_a', 'y'))).toBe(join(base, 'inst_a', 'y'));
  });

  it.each([
    ['..', /outside/],
    ['../claude_orchestrator-evil/x', /outside/],
    ['inst_a/../../outside/secret.txt', /outside/],
    ['/etc/passwd', /outside/],
    ['/tmp/claude_orchestrator-evil', /outside/],
    ['', /empty/],
    ['inst_a/\0/../../etc', /NUL/],
    ['a/'.repeat(3000), /longer than/],
  ])('refuses %j', (path, why) => {
    expect(() => resolveWithin(base, path)).toThrow(why);
  });

  it('refuses the prefix trick with the real sibling directory', () => {
    expect(() => resolveWithin(base, join(root, 'claude_orchestrator-evil', 'x'))).toThrow(/not allowed/);
  });
});

describe('resolveRealWithin (follows symlinks)', () => {
  it('accepts real paths and links that stay inside, including paths that do not exist yet', async () => {
    expect(await resolveRealWithin(base, 'inst_a/src/new/file.ts')).toBe(join(base, 'inst_a', 'src', 'new', 'file.ts'));
    expect(await resolveRealWithin(base, 'inst_a/inner-link/app.ts')).toBe(join(base, 'inst_a', 'src', 'app.ts'));
  });

  it.each([
    ['inst_a/escape/secret.txt', 'a directory link to outside'],
    ['inst_a/escape/new-file', 'a new file under a link to outside'],
    ['inst_a/escape', 'the link itself'],
    ['inst_a/file-link', 'a file link to outside'],
    ['inst_a/dangling/x', 'a dangling link (it would lead outside once its target exists)'],
  ])('refuses %j (%s)', async (path) => {
    await expect(resolveRealWithin(base, path)).rejects.toThrow(/not allowed|broken symlink/);
  });

  it('still refuses lexical escapes before touching the disk', async () => {
    await expect(resolveRealWithin(base, '../outside/secret.txt')).rejects.toThrow(/outside/);
  });

  it('works when the base itself is reached through a symlink', async () => {
    const linkToBase = join(root, 'base-link');
    symlinkSync(base, linkToBase);
    expect(await resolveRealWithin(linkToBase, 'inst_a/src/x')).toBe(join(base, 'inst_a', 'src', 'x'));
    await expect(resolveRealWithin(linkToBase, 'inst_a/escape/x')).rejects.toThrow(/not allowed/);
  });

  it('says so when the base does not exist', async () => {
    await expect(resolveRealWithin(join(root, 'missing'), 'x')).rejects.toThrow(/can't be resolved/);
  });
});
