import type { ShellOutcome } from './types.js';

/** Claude Code's shell tool. */
export const SHELL_TOOL = 'Bash';

const NOTE_CHARS = 200;

/**
 * How a Bash call ended, read from what the Claude Code CLI sends back for it (checked against the CLI in
 * node_modules, 2.1.x):
 * - a failed command is a tool_result with `is_error: true` whose text starts with the CLI's own line
 *   "Exit code N" (then the output; a timeout is "Exit code 143\nCommand timed out after 1s");
 * - a refused or unrunnable call is also `is_error: true`, with the reason instead of that line: it never ran;
 * - a command that succeeded is `is_error: false`, and the user message's `tool_use_result` is
 *   `{stdout, stderr, interrupted, …}`, plus `backgroundTaskId` when it was started in the background and
 *   `returnCodeInterpretation` when a non-zero code means no error (grep's 1: "No matches found").
 * `toolUseResult` is that message's `tool_use_result`, when the message carries this one result only.
 */
export function shellOutcome(isError: boolean, content: string, toolUseResult: unknown, input: unknown): ShellOutcome {
  const asked = typeof input === 'object' && input !== null && (input as { run_in_background?: unknown }).run_in_background === true;
  if (isError) {
    const code = /^Exit code (-?\d+)\b/.exec(content)?.[1];
    if (code !== undefined) return { exitCode: Number(code), background: false };
    return { exitCode: null, background: false, note: `did not run: ${firstLine(content) || 'no reason given'}` };
  }
  const structured = typeof toolUseResult === 'object' && toolUseResult !== null ? (toolUseResult as Record<string, unknown>) : {};
  if (asked || typeof structured['backgroundTaskId'] === 'string') return { exitCode: null, background: true };
  if (structured['interrupted'] === true) return { exitCode: null, background: false, note: 'interrupted' };
  const meaning = structured['returnCodeInterpretation'];
  if (typeof meaning === 'string' && meaning.length > 0) return { exitCode: null, background: false, note: meaning.slice(0, NOTE_CHARS) };
  return { exitCode: 0, background: false };
}

function firstLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').trim().slice(0, NOTE_CHARS);
}
