import type { ToolCallRecord } from '../backends/backend.js';
import { SHELL_TOOL } from './shell-outcome.js';
import type { CommandEvidence, Evidence, FileEvidence } from './types.js';

export interface TurnFacts {
  readonly toolCalls: readonly ToolCallRecord[];
  /** The changed files as read from disk after the turn (claude-code); absent when the backend has no workspace tools. */
  readonly files?: readonly FileEvidence[] | undefined;
  readonly modelCalls: number;
  readonly tokens: number;
}

/** A turn's evidence: its tool calls by name, the shell commands with their exit codes, files, model calls and tokens. */
export function turnEvidence(facts: TurnFacts): Evidence {
  const toolCalls: Record<string, number> = {};
  const commands: CommandEvidence[] = [];
  for (const call of facts.toolCalls) {
    toolCalls[call.name] = (toolCalls[call.name] ?? 0) + 1;
    const command = call.name === SHELL_TOOL ? commandOf(call) : undefined;
    if (command !== undefined) commands.push(command);
  }
  return { tool_calls: toolCalls, files: [...(facts.files ?? [])], commands, model_calls: facts.modelCalls, tokens: facts.tokens };
}

function commandOf(call: ToolCallRecord): CommandEvidence | undefined {
  const text = (call.input as { command?: unknown } | null)?.command;
  if (typeof text !== 'string') return undefined;
  // A call whose outcome the backend did not read (none today) is a command of unknown outcome, never a success.
  const outcome = call.shell ?? { exitCode: null, background: false, ...(call.isError ? { note: 'failed' } : {}) };
  return {
    command: text,
    exit_code: outcome.exitCode,
    ...(outcome.background ? { background: true as const } : {}),
    ...(outcome.note !== undefined ? { note: outcome.note } : {}),
  };
}
