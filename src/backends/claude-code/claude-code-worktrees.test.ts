import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeCodeKit, turnSignal } from '../../test-support/claude-code-kit.js';
import { TestBudget } from '../../test-support/test-budget.js';
import { validateRepository, worktreeBranch } from './worktree.js';

let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();
const turn = (message: string) => ({ history: [], message });

function newRepo(): string {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), 'cc-repo-')));
  git(repo, 'init', '--quiet', '--initial-branch=main');
  writeFileSync(join(repo, 'README.md'), 'shared project\n');
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '--quiet', '-m', 'init');
  return repo;
}

describe('claude-code worktrees: several agents on one repository', () => {
  it('each agent edits its own worktree and branch without conflict; terminate commits the work and keeps the branch', async () => {
    const repo = newRepo();
    const backend = kit.backend();
    const a = kit.spec({ options: { repository: repo } });
    const b = kit.spec({ options: { repository: repo } });
    const [sa, sb] = await Promise.all([backend.start(a), backend.start(b)]);

    // The same file, changed differently by each, at the same time.
    const [ra, rb] = await Promise.all([
      sa.turn(turn(`WRITE ${join(a.workspace, 'README.md')} from-a`), { signal: turnSignal(), calls: new TestBudget() }),
      sb.turn(turn(`WRITE ${join(b.workspace, 'README.md')} from-b`), { signal: turnSignal(), calls: new TestBudget() }),
    ]);
    expect(ra.changedFiles).toEqual(['README.md']);
    expect(rb.changedFiles).toEqual(['README.md']);
    expect(readFileSync(join(a.workspace, 'README.md'), 'utf8')).toBe('from-a\n');
    expect(readFileSync(join(b.workspace, 'README.md'), 'utf8')).toBe('from-b\n');
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('shared project\n');
    expect(git(a.workspace, 'branch', '--show-current')).toBe(worktreeBranch(a.instanceId));

    // A second turn lists only what that turn changed; ignored files don't count.
    const again = await sa.turn(turn(`WRITE ${join(a.workspace, 'src', 'new.ts')} code`), { signal: turnSignal(), calls: new TestBudget() });
    expect(again.changedFiles).toEqual(['src/new.ts']);
    const ignored = await sa.turn(turn(`WRITE ${join(a.workspace, 'node_modules', 'x.js')} dep`), { signal: turnSignal(), calls: new TestBudget() });
    expect(ignored.changedFiles).toEqual([]);

    await Promise.all([sa.terminate?.(), sb.terminate?.()]);
    expect(existsSync(a.workspace)).toBe(false);
    expect(existsSync(b.workspace)).toBe(false);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(git(repo, 'show', `${worktreeBranch(a.instanceId)}:README.md`)).toBe('from-a');
    expect(git(repo, 'show', `${worktreeBranch(a.instanceId)}:src/new.ts`)).toBe('code');
    expect(git(repo, 'show', `${worktreeBranch(b.instanceId)}:README.md`)).toBe('from-b');
    expect(git(repo, 'log', '-1', '--format=%s', worktreeBranch(b.instanceId))).toContain(b.instanceId);
    // The main checkout never moved.
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe('init');
  });

  it('after a restart, releasing a terminated instance commits its worktree without starting an agent', async () => {
    const repo = newRepo();
    const spec = kit.spec({ options: { repository: repo } });
    const before = kit.backend();
    const session = await before.start(spec);
    await session.turn(turn(`WRITE ${join(spec.workspace, 'kept.txt')} survived`), { signal: turnSignal(), calls: new TestBudget() });
    // The server stops: its agents stop, the worktree stays for whoever continues the instance.
    await before.shutdown();
    expect(readFileSync(join(spec.workspace, 'kept.txt'), 'utf8')).toBe('survived\n');

    await kit.backend().release(spec);
    expect(existsSync(spec.workspace)).toBe(false);
    expect(git(repo, 'show', `${worktreeBranch(spec.instanceId)}:kept.txt`)).toBe('survived');
    expect(existsSync(join(kit.workspaceDir, '.agents', 'homes', spec.instanceId))).toBe(false);
  });

  it('refuses a repository that is not absolute, not git, or has no commit yet', async () => {
    await expect(validateRepository('relative/path')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('absolute') });
    const plain = mkdtempSync(join(tmpdir(), 'cc-plain-'));
    await expect(validateRepository(plain)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('not a git repository') });
    const empty = mkdtempSync(join(tmpdir(), 'cc-empty-'));
    git(empty, 'init', '--quiet');
    await expect(validateRepository(empty)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('no commit') });
    await expect(validateRepository(join(plain, 'missing'))).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
