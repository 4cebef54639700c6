import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { isWithin } from '../../security/safe-path.js';
import type { AskPermission, PermissionDenial } from '../backend.js';
import type { PermissionMode } from './permission-policy.js';
import { rejectOnAbort } from '../../async/reject-on-abort.js';

/** The CLI's question (`--permission-prompt-tool stdio`): may this tool call run? */
export const canUseToolSchema = z.looseObject({
  subtype: z.literal('can_use_tool'),
  tool_name: z.string(),
  input: z.record(z.string(), z.unknown()),
  description: z.string().optional(),
  blocked_path: z.string().optional(),
  tool_use_id: z.string().optional(),
});

export type CanUseToolRequest = z.infer<typeof canUseToolSchema>;

export interface PermissionDecision {
  /** The control response for the CLI. */
  readonly response: Record<string, unknown>;
  /** Set when refused: what the turn's result reports. */
  readonly denial?: PermissionDenial;
}

export interface BridgeOptions {
  readonly ask: AskPermission | undefined;
  readonly timeoutMs: number;
  readonly mode: PermissionMode;
  /** The agent's workspace, to say when a call reaches outside it. */
  readonly workspace: string;
  /** The turn's signal: a cancelled turn stops waiting for an answer. */
  readonly signal: AbortSignal;
}

/**
 * Settles a question the policy left open: through the callback (the orchestrator's approvals gate: MCP
 * elicitation, or the pending-approvals queue) when there is one, within `timeoutMs` (APPROVAL_TIMEOUT_SECONDS). No callback, no answer in time, or a failing callback all deny, with the
 * reason in the denial, so a turn never waits on a prompt nobody can answer.
 */
export async function decidePermission(request: CanUseToolRequest, options: BridgeOptions): Promise<PermissionDecision> {
  const tool = request.tool_name;
  const outside = request.blocked_path ?? pathOutside(request.input, options.workspace);
  const reason = outside
    ? `${tool} would reach ${outside}, outside the instance's workspace`
    : `the instance's permission policy (${options.mode}) asks before ${tool}${request.description ? `: ${request.description}` : ''}`;
  const deny = (why: string): PermissionDecision => ({
    response: { behavior: 'deny', message: `Permission to use ${tool} was denied: ${why}. Do not retry it; continue without it or explain what you need.` },
    denial: { tool, input: request.input, reason: why },
  });
  if (!options.ask) return deny('nobody can answer permission requests for this instance (no approvals queue and no client that supports elicitation)');

  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  try {
    const answer = await untilAborted(options.ask({ tool, input: request.input, reason }, signal), signal);
    if (answer.allow) return { response: { behavior: 'allow', updatedInput: request.input } };
    return deny(answer.message ? `the user refused (${answer.message})` : 'the user refused');
  } catch (error) {
    if (timeout.aborted && !options.signal.aborted) return deny(`no answer within ${seconds(options.timeoutMs)} s (APPROVAL_TIMEOUT_SECONDS)`);
    if (options.signal.aborted) return deny('the turn was cancelled while waiting for an answer');
    return deny(`asking the user failed (${(error as Error).message})`);
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
}

/** The file a file tool (Read, Write, Edit, NotebookEdit, ...) names, when it lies outside the workspace. */
function pathOutside(input: Record<string, unknown>, workspace: string): string | undefined {
  const path = input['file_path'] ?? input['notebook_path'] ?? input['path'];
  if (typeof path !== 'string' || !isAbsolute(path)) return undefined;
  return isWithin(workspace, path) ? undefined : path;
}

/** The callback's answer, or a rejection the moment `signal` aborts (a callback may ignore its signal). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return rejectOnAbort(promise, signal, () => signal.reason as Error);
}
