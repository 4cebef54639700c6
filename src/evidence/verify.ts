import { countOf } from '../text/human-format.js';
import type { CommandEvidence, Evidence, Verification } from './types.js';

export const NO_ACTION_REASON = "no tool call and no file change: the reply's claims are not backed by any action";

/**
 * Whether a turn of an agent that works through tools (claude-code, or an api instance with delegation) is
 * backed by what it did. Only actions count, never the reply's words:
 * - no tool call and no file change: `unverified` (it only says it did something);
 * - a file changed, a command exited 0 or a command started in the background: `verified`, by those;
 * - commands ran and every one failed (non-zero, or refused), and no file changed: `unverified`;
 * - otherwise tool calls alone (reads, searches, delegation): `verified` when at least one succeeded,
 *   `unverified` when every one failed. A message to a child whose own reply was unverified backs nothing:
 *   a delegating turn whose only successful calls are such messages is `unverified` too.
 * `failedToolCalls` counts the turn's tool calls that returned an error; `unverifiedChildren` its successful
 * messages to children whose replies were unverified.
 */
export function verifyTurn(evidence: Evidence, failedToolCalls: number, unverifiedChildren = 0): Verification {
  const calls = Object.values(evidence.tool_calls).reduce((sum, n) => sum + n, 0);
  const files = evidence.files.length;
  if (calls === 0 && files === 0) return { status: 'unverified', reason: NO_ACTION_REASON };
  const succeeded = evidence.commands.filter((c) => c.exit_code === 0).length;
  const background = evidence.commands.filter((c) => c.background === true).length;
  const failed = evidence.commands.filter(commandFailed);
  if (files > 0 || succeeded > 0 || background > 0) {
    const parts = [
      files > 0 ? countOf(files, 'file') + ' changed' : '',
      succeeded > 0 ? `${countOf(succeeded, 'command')} exited 0` : '',
      background > 0 ? `${countOf(background, 'command')} started in the background` : '',
      failed.length > 0 ? `${countOf(failed.length, 'command')} failed (${failed.map(failure).join(', ')})` : '',
    ];
    return { status: 'verified', reason: parts.filter(Boolean).join(', ') };
  }
  if (evidence.commands.length > 0 && failed.length === evidence.commands.length) {
    return { status: 'unverified', reason: `every command failed (${failed.map(failure).join(', ')}) and no file changed` };
  }
  if (failedToolCalls >= calls) return { status: 'unverified', reason: `every tool call failed (${describeToolCalls(evidence.tool_calls)}) and no file changed` };
  const backing = calls - failedToolCalls - unverifiedChildren;
  if (backing <= 0) {
    return { status: 'unverified', reason: `the ${countOf(unverifiedChildren, 'child', 'children')} it messaged answered unverified, and it changed no file itself` };
  }
  return { status: 'verified', reason: `${countOf(backing, 'tool call')} succeeded (${describeToolCalls(evidence.tool_calls)}); no file changed` };
}

/** "Write ×2, Bash" */
export function describeToolCalls(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([name, n]) => (n === 1 ? name : `${name} ×${n}`))
    .join(', ');
}

/** A command that exited non-zero or never ran (a background one still running is neither). */
export function commandFailed(command: CommandEvidence): boolean {
  return command.exit_code !== null ? command.exit_code !== 0 : command.background !== true && (command.note?.startsWith('did not run') === true || command.note === 'failed');
}

function failure(command: CommandEvidence): string {
  return command.exit_code !== null ? `exit ${command.exit_code}` : 'did not run';
}
