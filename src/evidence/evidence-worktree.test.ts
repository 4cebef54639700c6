import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeCodeKit, turnSignal } from '../test-support/claude-code-kit.js';
import { TestBudget } from '../test-support/test-budget.js';
import { turnEvidence } from './turn-evidence.js';

// The real Claude Code CLI against the simulator, scripted by the kit: WRITE <path> <content>, BASH/BASHBG <command>.
let kit: ClaudeCodeKit;
beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
});
afterAll(async () => {
  await kit.close();
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();
const turn = (message: string) => ({ history: [], message });
const options = () => ({ signal: turnSignal(), calls: new TestBudget() });

describe('evidence of a claude-code agent in a git worktree', () => {
  it('gives each changed file its lines added and removed, beside its size and sha256', async () => {
    const repo = realpathSync(mkdtempSync(join(tmpdir(), 'cc-evidence-repo-')));
    git(repo, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(join(repo, 'README.md'), 'line one\nline two\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'init');
    const spec = kit.spec({ options: { repository: repo } });
    const session = await kit.backend().start(spec);

    const result = await session.turn(turn(`WRITE ${join(spec.workspace, 'README.md')} rewritten`), options());
    const onDisk = join(spec.workspace, 'README.md');
    expect(result.fileEvidence).toEqual([
      { path: 'README.md', bytes: readFileSync(onDisk).length, sha256: createHash('sha256').update(readFileSync(onDisk)).digest('hex'), added: 1, removed: 2 },
    ]);
    await session.terminate?.();
  });
});

describe('commands of a claude-code agent', () => {
  it('marks a command started in the background, with no exit code yet', async () => {
    const backend = kit.backend();
    const spec = kit.spec({ options: { permissions: { allowed_tools: ['Bash'] } } });
    const session = await backend.start(spec);
    const result = await session.turn(turn('BASHBG sleep 30'), options());
    const evidence = turnEvidence({ toolCalls: result.toolCalls, files: result.fileEvidence, modelCalls: 2, tokens: 0 });
    expect(evidence.commands).toEqual([{ command: 'sleep 30', exit_code: null, background: true }]);
    await session.terminate?.();
  });
});
