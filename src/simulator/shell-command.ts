import { BASH_TOOL } from './background-command.js';
import { blockText } from './request-text.js';
import { offersTool, type ReplySpec } from './script.js';
import type { ContentBlockParam, MessageParam, ParsedRequest } from './wire-types.js';

/**
 * A shell command for agents on the simulator: "run the command: <command>" (to the end of its line) is
 * answered with a call to Claude Code's Bash tool (in the foreground), and the tool's result with a short
 * text that ends the turn, quoting what the tool said. A command that exits non-zero (`exit 3`) shows how a
 * failed command reads in the turn's evidence.
 */

const FOREGROUND = /\brun the command:\s*(.+)$/im;

/** The command asked to run, if the text asks for one. */
export function findShellCommand(text: string): string | undefined {
  const command = FOREGROUND.exec(text)?.[1]?.trim();
  return command === undefined || command.length === 0 ? undefined : command;
}

/** The Bash call for `command`, or undefined when the request offers no Bash tool. */
export function shellToolUse(request: ParsedRequest, command: string): ReplySpec | undefined {
  if (!offersTool(request, BASH_TOOL)) return undefined;
  return {
    content: [
      { type: 'text', text: `[Simulated] Running \`${command}\`.` },
      { type: 'tool_use', name: BASH_TOOL, input: { command, description: 'Run a command' } },
    ],
  };
}

/** The closing text once a foreground Bash call's result is back; undefined for any other tool's result. */
export function afterShellResult(request: ParsedRequest): string | undefined {
  const messages = request.messages;
  const last = messages.at(-1);
  const previous = messages.findLast((message, index) => index < messages.length - 1 && message.role === 'assistant');
  if (last?.role !== 'user' || previous === undefined) return undefined;
  const calls = blocksOf(previous).filter((block) => block.type === 'tool_use' && block['name'] === BASH_TOOL && (block['input'] as { run_in_background?: unknown })?.run_in_background !== true);
  for (const result of blocksOf(last).filter((block) => block.type === 'tool_result')) {
    const call = calls.find((c) => c['id'] === result['tool_use_id']);
    if (call === undefined) continue;
    const command = String((call['input'] as { command?: unknown }).command ?? '');
    const said = blockText(result).replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim() || 'no output';
    const how = result['is_error'] === true ? 'failed' : 'succeeded';
    return `The command \`${command}\` ${how}: ${said.slice(0, 200)}. (Simulated reply; no model was called.)`;
  }
  return undefined;
}

function blocksOf(message: MessageParam): ContentBlockParam[] {
  return typeof message.content === 'string' ? [] : message.content;
}
