import { describe, expect, it } from 'vitest';
import { shellOutcome } from './shell-outcome.js';

// The tool_result blocks and `tool_use_result` fields below are what the Claude Code CLI in node_modules
// (2.1.x) sent for these commands when run against the simulator.
describe('how a Bash call ended, as the Claude Code CLI reports it', () => {
  it('a command that succeeded exited 0', () => {
    expect(shellOutcome(false, 'ok', { stdout: 'ok', stderr: '', interrupted: false, isImage: false, noOutputExpected: false }, { command: 'echo ok' })).toEqual({ exitCode: 0, background: false });
  });

  it('a failed command carries the code of the CLI\'s "Exit code N" line', () => {
    expect(shellOutcome(true, 'Exit code 3\nhi', 'Error: Exit code 3\nhi', { command: 'echo hi; exit 3' })).toEqual({ exitCode: 3, background: false });
    expect(shellOutcome(true, 'Exit code 143\nCommand timed out after 1s', 'Error: Exit code 143', { command: 'sleep 5' })).toEqual({ exitCode: 143, background: false });
  });

  it('a refused call never ran: no code, and why', () => {
    const refused = shellOutcome(true, 'Permission to use Bash was denied: the user declined.', undefined, { command: 'rm -rf /' });
    expect(refused).toEqual({ exitCode: null, background: false, note: 'did not run: Permission to use Bash was denied: the user declined.' });
  });

  it('a background command has no code yet', () => {
    const result = { stdout: '', stderr: '', interrupted: false, isImage: false, noOutputExpected: false, backgroundTaskId: 'bh6tyjv9u' };
    expect(shellOutcome(false, 'Command running in background with ID: bh6tyjv9u.', result, { command: 'sleep 3' })).toEqual({ exitCode: null, background: true });
    expect(shellOutcome(false, 'started', undefined, { command: 'sleep 3', run_in_background: true })).toEqual({ exitCode: null, background: true });
  });

  it("a non-zero code the CLI reads as no error (grep's 1) is not reported as 0", () => {
    const result = { stdout: '', stderr: '', interrupted: false, isImage: false, returnCodeInterpretation: 'No matches found', noOutputExpected: false };
    expect(shellOutcome(false, '(Bash completed with no output)', result, { command: 'grep zzz /dev/null' })).toEqual({ exitCode: null, background: false, note: 'No matches found' });
  });

  it('an interrupted command has no code', () => {
    expect(shellOutcome(false, '', { interrupted: true }, { command: 'sleep 9' })).toEqual({ exitCode: null, background: false, note: 'interrupted' });
  });
});
