import type { Evidence, Verification } from './types.js';
import { countOf } from '../text/human-format.js';
import { commandFailed, describeToolCalls } from './verify.js';

/** Paths a summary names before it only counts the rest. */
const NAMED_FILES = 5;

/**
 * One line of what a turn did, for a model to read (a delegating parent's message_instance result):
 * "Write, Bash ×2; 1 file changed (app.js); 2 commands (1 failed); 3 model calls; 12,345 tokens".
 */
export function evidenceLine(evidence: Evidence): string {
  const tools = describeToolCalls(evidence.tool_calls);
  const files = evidence.files.map((f) => f.path);
  const named = files.slice(0, NAMED_FILES).join(', ') + (files.length > NAMED_FILES ? `, +${files.length - NAMED_FILES} more` : '');
  const failed = evidence.commands.filter(commandFailed).length;
  return [
    tools === '' ? 'no tool call' : tools,
    files.length > 0 ? `${countOf(files.length, 'file')} changed (${named})` : 'no file changed',
    evidence.commands.length > 0 ? `${countOf(evidence.commands.length, 'command')}${failed > 0 ? ` (${failed} failed)` : ''}` : '',
    countOf(evidence.model_calls, 'model call'),
    `${evidence.tokens.toLocaleString('en-US')} tokens`,
  ]
    .filter(Boolean)
    .join('; ');
}

/** "✓ verified: 1 file changed" or "⚠ unverified: <why>", for people reading a turn (CLI logs, conversation Markdown). */
export function verificationLine(verification: Verification): string {
  return `${verification.status === 'verified' ? '✓ verified' : '⚠ unverified'}: ${verification.reason}`;
}
