import { afterWriteResult, writeToolUse } from './agent-tool-reply.js';
import { afterBackgroundResult, backgroundBashToolUse, findBackgroundCommand } from './background-command.js';
import { coordinationReply } from './coordination-replies.js';
import { defaultReplyText } from './default-reply.js';
import { recogniseOrchestratorPrompt, type OrchestratorPrompt } from './orchestrator-prompts.js';
import { systemText, userWords } from './request-text.js';
import { findReplyOnly } from './reply-only.js';
import { profileFor } from './role-profiles.js';
import type { ReplySpec } from './script.js';
import { afterShellResult, findShellCommand, shellToolUse } from './shell-command.js';
import type { ParsedRequest } from './wire-types.js';
import { findWriteRequest } from './write-request.js';

/** Requests that want one format back (JSON, or a coordinator's combined answer): never a tool call. */
const COORDINATOR_KINDS: ReadonlySet<OrchestratorPrompt['kind']> = new Set(['plan', 'plan_retry', 'vote', 'integration', 'synthesis', 'decision']);

/**
 * The simulator's answer when no script rule matches, most specific first: the end of a Write (or background
 * Bash) call the simulator started; the orchestrator's own structured requests (plans and votes as JSON,
 * integrations, syntheses, decisions); a request to write a file, as a Write tool call when the agent has that
 * tool; "run in the background: <command>", as a background Bash call when it has that one, and "run the command:
 * <command>" as a foreground one; "reply only: <text>" as exactly that text, no tool call; a team member's
 * part (sub-task, step, proposal); else the role-aware default reply, which quotes the conversation's first
 * message from the second turn on.
 */
export function simulatedReply(request: ParsedRequest): ReplySpec {
  const afterWrite = afterWriteResult(request);
  if (afterWrite !== undefined) return afterWrite;
  const afterBackground = afterBackgroundResult(request);
  if (afterBackground !== undefined) return afterBackground;
  const afterShell = afterShellResult(request);
  if (afterShell !== undefined) return afterShell;

  const system = systemText(request);
  const profile = profileFor(system);
  const said = request.messages.filter((message) => message.role === 'user').map(userWords);
  const latest = said.at(-1) ?? '';
  const prompt = recogniseOrchestratorPrompt(latest, said.slice(0, -1));
  if (prompt !== undefined && COORDINATOR_KINDS.has(prompt.kind)) return coordinationReply(prompt, profile);
  const bare = findReplyOnly(latest);
  if (bare !== undefined) return bare;

  const wanted = findWriteRequest(prompt?.kind === 'subtask' ? `${prompt.description}\n${prompt.task}` : latest);
  const write = wanted === undefined ? undefined : writeToolUse(request, system, wanted, profile.title);
  if (write !== undefined) return write;
  const background = findBackgroundCommand(latest);
  const shell = background === undefined ? undefined : backgroundBashToolUse(request, background);
  if (shell !== undefined) return shell;
  const command = findShellCommand(latest);
  const foreground = command === undefined ? undefined : shellToolUse(request, command);
  if (foreground !== undefined) return foreground;

  if (prompt !== undefined) return coordinationReply(prompt, profile);
  return defaultReplyText(request);
}
