import { blockText } from './request-text.js';
import { offersTool, type ReplySpec } from './script.js';
import type { ContentBlockParam, MessageParam, ParsedRequest } from './wire-types.js';

/**
 * A background shell for agents on the simulator: "run in the background: <command>" (to the end of its line)
 * is answered with a call to Claude Code's Bash tool with `run_in_background: true` (its input: `command`,
 * `description`, `run_in_background`), and the tool's result with a short text that ends the turn. Lets a
 * test (or a demo) leave an agent's shell running, e.g. to prove a restarted server ends it.
 */

export const BASH_TOOL = 'Bash';

const BACKGROUND = /\brun in the background:\s*(.+)$/im;

/** The command asked to run in the background, if the text asks for one. */
export function findBackgroundCommand(text: string): string | undefined {
  const command = BACKGROUND.exec(text)?.[1]?.trim();
  return command === undefined || command.length === 0 ? undefined : command;
}

/** The Bash call for `command`, or undefined when the request offers no Bash tool. */
export function backgroundBashToolUse(request: ParsedRequest, command: string): ReplySpec | undefined {
  if (!offersTool(request, BASH_TOOL)) return undefined;
  return {
    content: [
      { type: 'text', text: `[Simulated] Starting \`${command}\` in the background.` },
      { type: 'tool_use', name: BASH_TOOL, input: { command, description: 'Run a command in the background', run_in_background: true } },
    ],
  };
}

/** The closing text once a background Bash call's result is back; undefined for any other tool's result. */
export function afterBackgroundResult(request: ParsedRequest): string | undefined {
  const messages = request.messages;
  const last = messages.at(-1);
  const previous = messages.findLast((message, index) => index < messages.length - 1 && message.role === 'assistant');
  if (last?.role !== 'user' || previous === undefined) return undefined;
  const calls = blocksOf(previous).filter((block) => block.type === 'tool_use' && block['name'] === BASH_TOOL && (block['input'] as { run_in_background?: unknown })?.run_in_background === true);
  for (const result of blocksOf(last).filter((block) => block.type === 'tool_result')) {
    const call = calls.find((c) => c['id'] === result['tool_use_id']);
    if (call === undefined) continue;
    const command = String((call['input'] as { command?: unknown }).command ?? '');
    const said = blockText(result).trim() || 'no output';
    if (result['is_error'] === true) return `The background command \`${command}\` could not start: ${said}. (Simulated reply; no model was called.)`;
    return `Started \`${command}\` in the background (${said.slice(0, 200)}). (Simulated reply; no model was called.)`;
  }
  return undefined;
}

function blocksOf(message: MessageParam): ContentBlockParam[] {
  return typeof message.content === 'string' ? [] : message.content;
}
