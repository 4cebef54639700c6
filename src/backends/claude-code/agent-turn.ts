import { randomUUID } from 'node:crypto';
import { OrchestratorError } from '../../domain/errors.js';
import { SHELL_TOOL, shellOutcome } from '../../evidence/shell-outcome.js';
import type { AskPermission, BackendEvent, PermissionDenial, ToolCallRecord } from '../backend.js';
import type { AgentProcess } from './agent-process.js';
import { canUseToolSchema, decidePermission } from './permission-bridge.js';
import type { PermissionMode } from './permission-policy.js';
import { controlErrorLine, controlSuccessLine, userMessageLine, type CliMessage, type ContentBlock, type ResultMessage } from './stream-json.js';

export interface AgentTurnOptions {
  readonly message: string;
  readonly signal: AbortSignal;
  readonly onEvent?: (event: BackendEvent) => void;
  readonly askPermission?: AskPermission;
  readonly permissionTimeoutMs: number;
  readonly mode: PermissionMode;
  readonly workspace: string;
}

export interface AgentTurnOutcome {
  readonly result: ResultMessage;
  /** The model of the last top-level answer ('' when none came). */
  readonly model: string;
  readonly toolCalls: readonly ToolCallRecord[];
  readonly denials: readonly PermissionDenial[];
  /** Text streamed at the top level, for turns that end without a final result text (interrupted). */
  readonly streamedText: string;
}

const RECORDED_RESULT_CHARS = 2_000;

/**
 * One turn on a live agent: the user message in, then everything the CLI says until its result. Tool
 * calls are recorded, questions the policy left open go through the permission bridge, text streams
 * out. Rejects on abort (the caller then kills the process) and when the process dies mid-turn.
 */
export function runAgentTurn(agent: AgentProcess, options: AgentTurnOptions): Promise<AgentTurnOutcome> {
  return new Promise<AgentTurnOutcome>((resolve, reject) => {
    const pending = new Map<string, { name: string; input: unknown }>();
    const toolCalls: ToolCallRecord[] = [];
    const denials = new Map<string, PermissionDenial>();
    let model = '';
    let streamedText = '';
    let settled = false;
    // Our message carries a uuid, and the CLI tells where it is in its queue (command_lifecycle). Until it has
    // started, what the CLI says belongs to an earlier command: after a resume, a background shell's
    // notification gets a turn and a result of its own, which must not be taken for this message's answer.
    // A CLI that reports no lifecycle at all is read as before.
    const uuid = randomUUID();
    let ours: 'unknown' | 'queued' | 'started' = 'unknown';

    const finish = (outcome: { ok: AgentTurnOutcome } | { error: Error }) => {
      if (settled) return;
      settled = true;
      agent.listen(undefined);
      options.signal.removeEventListener('abort', onAbort);
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    };
    const onAbort = () => finish({ error: abortReason(options.signal) });

    // `toolUseResult`: the message's structured result (the CLI sets it on a message that carries one tool result).
    const onToolResults = (blocks: readonly ContentBlock[], toolUseResult: unknown) => {
      const results = blocks.filter((block) => block.type === 'tool_result');
      for (const block of results) {
        if (typeof block['tool_use_id'] !== 'string') continue;
        const call = pending.get(block['tool_use_id']);
        if (!call) continue;
        pending.delete(block['tool_use_id']);
        const isError = block['is_error'] === true;
        const text = resultText(block['content']);
        const shell = call.name === SHELL_TOOL ? { shell: shellOutcome(isError, text, results.length === 1 ? toolUseResult : undefined, call.input) } : {};
        toolCalls.push({ name: call.name, input: call.input, isError, result: text.slice(0, RECORDED_RESULT_CHARS), ...shell });
      }
    };

    // Liveness: a tool of the agent's runs while a call is pending (the latest named); none pending, the model thinks.
    const reportTools = () => {
      const running = [...pending.values()].at(-1);
      options.onEvent?.(running ? { type: 'activity', activity: 'running_tool', tool: running.name } : { type: 'activity', activity: 'thinking' });
    };

    const onControlRequest = (requestId: string, request: Record<string, unknown>) => {
      const parsed = canUseToolSchema.safeParse(request);
      if (!parsed.success) {
        // Hook callbacks, MCP messages, ...: nothing we serve. Refuse at once so the CLI never waits.
        agent.write(controlErrorLine(requestId, `claude-orchestrator does not handle control request "${String(request['subtype'])}"`));
        return;
      }
      const key = parsed.data.tool_use_id ?? randomUUID();
      decidePermission(parsed.data, { ask: options.askPermission, timeoutMs: options.permissionTimeoutMs, mode: options.mode, workspace: options.workspace, signal: options.signal }).then(
        (decision) => {
          if (decision.denial) denials.set(key, decision.denial);
          agent.write(controlSuccessLine(requestId, decision.response));
        },
        (error: unknown) => {
          // The bridge settles every question itself; should it fail anyway, the call is refused, never left waiting.
          const reason = `the permission check failed (${(error as Error).message})`;
          denials.set(key, { tool: parsed.data.tool_name, input: parsed.data.input, reason });
          agent.write(controlSuccessLine(requestId, { behavior: 'deny', message: `Permission to use ${parsed.data.tool_name} was denied: ${reason}.` }));
        },
      );
    };

    const onStreamEvent = (event: Record<string, unknown>, topLevel: boolean) => {
      // Liveness: a sign of life (the same report again only moves last_activity_at). A message's last events
      // (message_delta, message_stop) come after its tool_use block, when the tool already counts as running.
      if (topLevel) reportTools();
      const delta = event['delta'] as { type?: unknown; text?: unknown } | undefined;
      if (topLevel && event['type'] === 'content_block_delta' && delta?.type === 'text_delta' && typeof delta.text === 'string') {
        streamedText += delta.text;
        options.onEvent?.({ type: 'text', text: delta.text });
      }
    };

    const onMessage = (message: CliMessage) => {
      if (message.type === 'command_lifecycle') {
        if (message.command_uuid === uuid && (message.state === 'queued' || message.state === 'started')) ours = ours === 'started' ? ours : message.state;
        return;
      }
      // Questions are answered whoever asks (the CLI waits on them); the rest waits for our message to start.
      if (ours === 'queued' && message.type !== 'control_request') return;
      switch (message.type) {
        case 'stream_event':
          return onStreamEvent(message.event, message.parent_tool_use_id == null);
        case 'assistant':
          // '<synthetic>' marks a message the CLI made up itself (an API error), not a model's answer.
          if (message.parent_tool_use_id == null && !message.message.model.startsWith('<')) model = message.message.model;
          for (const block of message.message.content) {
            if (block.type === 'tool_use' && typeof block['id'] === 'string' && typeof block['name'] === 'string') pending.set(block['id'], { name: block['name'], input: block['input'] });
          }
          if (message.parent_tool_use_id == null) reportTools();
          return;
        case 'user':
          if (Array.isArray(message.message.content)) onToolResults(message.message.content, message['tool_use_result']);
          if (message.parent_tool_use_id == null) reportTools();
          return;
        case 'control_request':
          return onControlRequest(message.request_id, message.request);
        case 'result': {
          // The CLI's own list also holds refusals by policy (dontAsk, deny rules) that never reached us.
          for (const denial of message.permission_denials ?? []) {
            if (!denials.has(denial.tool_use_id)) denials.set(denial.tool_use_id, { tool: denial.tool_name, input: denial.tool_input, reason: "the instance's permission policy refused it" });
          }
          return finish({ ok: { result: message, model, toolCalls, denials: [...denials.values()], streamedText } });
        }
        case 'invalid':
          if (message.rawType === 'result') {
            return finish({ error: new OrchestratorError('backend_error', `The Claude Code CLI ended the turn with a result we can't read: ${message.problem}`) });
          }
          return;
        default:
          return;
      }
    };

    if (options.signal.aborted) return finish({ error: abortReason(options.signal) });
    options.signal.addEventListener('abort', onAbort, { once: true });
    agent.listen(onMessage);
    void agent.exited.then((exit) => {
      const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
      // Liveness: the agent died under its turn (not stopped by us after the turn ended or was aborted).
      if (!settled) options.onEvent?.({ type: 'activity', activity: 'dead' });
      finish({ error: new OrchestratorError('backend_error', `The Claude Code agent ${how} during the turn.${agent.stderrTail ? ` It said: ${agent.stderrTail.slice(-1_000)}` : ''}`) });
    });
    if (!agent.write(userMessageLine(options.message, uuid))) {
      finish({ error: new OrchestratorError('backend_error', `The Claude Code agent can't take input.${agent.stderrTail ? ` It said: ${agent.stderrTail.slice(-1_000)}` : ''}`) });
    }
  });
}

/** What an aborted signal means for a turn: its own OrchestratorError (timeout, shutdown) or a cancellation. */
export function abortReason(signal: AbortSignal): OrchestratorError {
  const reason: unknown = signal.reason;
  if (reason instanceof OrchestratorError) return reason;
  return new OrchestratorError('cancelled', 'The turn was cancelled before the agent finished.');
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: unknown) => (typeof b === 'object' && b !== null && typeof (b as { text?: unknown }).text === 'string' ? (b as { text: string }).text : '')).join('');
  return '';
}
