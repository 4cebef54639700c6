import { describe, expect, it } from 'vitest';
import type { ToolCallRecord } from '../backends/backend.js';
import { turnEvidence } from './turn-evidence.js';
import type { Evidence, FileEvidence } from './types.js';
import { NO_ACTION_REASON, verifyTurn } from './verify.js';

const bash = (command: string, exitCode: number | null, extra: Partial<ToolCallRecord> = {}): ToolCallRecord => ({
  name: 'Bash',
  input: { command },
  isError: exitCode !== 0,
  result: '',
  shell: { exitCode, background: false },
  ...extra,
});
const file: FileEvidence = { path: 'a.txt', bytes: 3, sha256: 'ab'.repeat(32) };

function evidence(toolCalls: ToolCallRecord[], files: FileEvidence[] = []): Evidence {
  return turnEvidence({ toolCalls, files, modelCalls: toolCalls.length + 1, tokens: 100 });
}

describe("a turn's evidence", () => {
  it('counts tool calls by name and lists commands with their exit codes', () => {
    const e = evidence([bash('make', 0), bash('make test', 2), { name: 'Read', input: { file_path: '/x' }, isError: false, result: 'x' }, bash('ls', 0)], [file]);
    expect(e).toEqual({
      tool_calls: { Bash: 3, Read: 1 },
      files: [file],
      commands: [
        { command: 'make', exit_code: 0 },
        { command: 'make test', exit_code: 2 },
        { command: 'ls', exit_code: 0 },
      ],
      model_calls: 5,
      tokens: 100,
    });
  });

  it('marks background commands, and a Bash call whose outcome was not read as unknown, never a success', () => {
    const e = evidence([
      { name: 'Bash', input: { command: 'serve' }, isError: false, result: '', shell: { exitCode: null, background: true } },
      { name: 'Bash', input: { command: 'x' }, isError: true, result: '' },
    ]);
    expect(e.commands).toEqual([
      { command: 'serve', exit_code: null, background: true },
      { command: 'x', exit_code: null, note: 'failed' },
    ]);
  });
});

describe('verification of an agent that works through tools', () => {
  it('no tool call and no file change: unverified, whatever the reply says', () => {
    expect(verifyTurn(evidence([]), 0)).toEqual({ status: 'unverified', reason: NO_ACTION_REASON });
  });

  it('a changed file or a command that exited 0 verifies it, and says by what', () => {
    expect(verifyTurn(evidence([{ name: 'Write', input: {}, isError: false, result: '' }], [file, { ...file, path: 'b' }]), 0)).toEqual({
      status: 'verified',
      reason: '2 files changed',
    });
    expect(verifyTurn(evidence([bash('make', 0), bash('make lint', 1)]), 1)).toEqual({ status: 'verified', reason: '1 command exited 0, 1 command failed (exit 1)' });
  });

  it('commands that all failed, with no file changed: unverified', () => {
    expect(verifyTurn(evidence([bash('make', 2), bash('rm x', null, { shell: { exitCode: null, background: false, note: 'did not run: denied' } })]), 2)).toEqual({
      status: 'unverified',
      reason: 'every command failed (exit 2, did not run) and no file changed',
    });
  });

  it('tool calls without files or commands: verified when one succeeded, unverified when all failed', () => {
    const read = { name: 'Read', input: {}, isError: false, result: '' };
    expect(verifyTurn(evidence([read, read, { name: 'Grep', input: {}, isError: false, result: '' }]), 0)).toEqual({
      status: 'verified',
      reason: '3 tool calls succeeded (Read ×2, Grep); no file changed',
    });
    expect(verifyTurn(evidence([{ ...read, isError: true }]), 1)).toEqual({ status: 'unverified', reason: 'every tool call failed (Read) and no file changed' });
  });
});

describe('a delegating turn and its children', () => {
  const message = (child: 'verified' | 'unverified' | undefined): ToolCallRecord => ({ name: 'message_instance', input: {}, isError: false, result: '{}', ...(child ? { childVerification: child } : {}) });
  it('is backed by a child whose reply was verified, or a plain child (no flag), never by an unverified one alone', () => {
    expect(verifyTurn(evidence([message('verified')]), 0, 0).status).toBe('verified');
    expect(verifyTurn(evidence([message(undefined)]), 0, 0).status).toBe('verified');
    expect(verifyTurn(evidence([message('unverified'), message('unverified')]), 0, 2)).toEqual({ status: 'unverified', reason: 'the 2 children it messaged answered unverified, and it changed no file itself' });
    expect(verifyTurn(evidence([message('unverified'), message('verified')]), 0, 1).status).toBe('verified');
  });
});
