import { relative } from 'node:path';
import { blockText } from './request-text.js';
import { offersTool, type ReplySpec } from './script.js';
import type { ContentBlockParam, MessageParam, ParsedRequest } from './wire-types.js';
import { fileContent, targetPath, workingDirectory, type WriteRequest } from './write-request.js';

/**
 * Tool use for agents on the simulator (Claude Code sends its tools: Write, Edit, Bash, …): a request to
 * write a file is answered with a call to the Write tool (an absolute `file_path` and the `content`, as its
 * input schema wants), and the tool's result with a short text that ends the turn.
 */

export const WRITE_TOOL = 'Write';

/**
 * The Write call for `wanted`, or undefined when the request offers no Write tool or the path can't be
 * placed (a relative path while the prompt names no working directory, or one that climbs out of it).
 */
export function writeToolUse(request: ParsedRequest, system: string, wanted: WriteRequest, writer: string): ReplySpec | undefined {
  if (!offersTool(request, WRITE_TOOL)) return undefined;
  const cwd = workingDirectory(system);
  const filePath = targetPath(wanted.path, cwd);
  if (filePath === undefined) return undefined;
  const shown = cwd !== undefined && filePath.startsWith(`${cwd}/`) ? relative(cwd, filePath) : filePath;
  return {
    content: [
      { type: 'text', text: `[Simulated ${writer}] Writing ${shown}.` },
      { type: 'tool_use', name: WRITE_TOOL, input: { file_path: filePath, content: fileContent(wanted, writer) } },
    ],
  };
}

/**
 * The closing text once the Write tool's result is back: the last message carries the result of a Write
 * call the previous assistant message made. Undefined for any other tool's result.
 */
export function afterWriteResult(request: ParsedRequest): string | undefined {
  const messages = request.messages;
  const last = messages.at(-1);
  const previous = messages.findLast((message, index) => index < messages.length - 1 && message.role === 'assistant');
  if (last?.role !== 'user' || previous === undefined) return undefined;
  const results = blocksOf(last).filter((block) => block.type === 'tool_result');
  const writes = blocksOf(previous).filter((block) => block.type === 'tool_use' && block['name'] === WRITE_TOOL);
  for (const result of results) {
    const call = writes.find((write) => write['id'] === result['tool_use_id']);
    if (call === undefined) continue;
    const input = call['input'] as { file_path?: unknown; content?: unknown };
    const path = typeof input.file_path === 'string' ? input.file_path : 'the file';
    const reason = blockText(result).trim().replace(/\.+$/, '') || 'no reason given';
    if (result['is_error'] === true) return `The Write tool could not write ${path}: ${reason}. (Simulated reply; no model was called.)`;
    const bytes = typeof input.content === 'string' ? Buffer.byteLength(input.content) : 0;
    return `Done: I wrote ${path} (${bytes} bytes). (Simulated reply; no model was called.)`;
  }
  return undefined;
}

function blocksOf(message: MessageParam): ContentBlockParam[] {
  return typeof message.content === 'string' ? [] : message.content;
}
