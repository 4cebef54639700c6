import type Anthropic from '@anthropic-ai/sdk';
import { DEFAULTS } from '../../config/defaults.js';
import { OrchestratorError } from '../../domain/errors.js';
import { addUsage, usageFromApi, ZERO_USAGE, type Usage } from '../../domain/usage.js';
import { chatFinished, chatSpan } from '../../observability/genai-spans.js';
import { pauseAt, pausesAt } from '../../durability/pause-point.js';
import type { Session, SessionSpec, ToolCallRecord, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { BUDGET_EXHAUSTED, estimateTokens, utf8Bytes, type CallHold } from '../call-budget.js';
import { fromApiError } from './api-errors.js';
import { MAX_MODEL_CALLS_PER_TURN } from './limits.js';
import { systemParam, withConversationBreakpoint, type PromptCaching } from './prompt-cache.js';
import { callWithRetries, type CallRunner } from './retrying-call.js';
import { abortOnStall } from '../../liveness/stall-watchdog.js';

const RECORDED_RESULT_CHARS = 2_000;

export interface ApiSessionDeps {
  readonly runner: CallRunner;
  readonly caching: PromptCaching;
  readonly now: () => number;
  /** A stream with no event for this long is aborted and retried as a fault (STALL_TIMEOUT_SECONDS). */
  readonly stallMs?: number;
}

/** One instance's conversation over the Messages API. Stateless: the history comes with every turn. */
export class ApiSession implements Session {
  constructor(
    private readonly client: Anthropic,
    private readonly spec: SessionSpec,
    private readonly deps: ApiSessionDeps,
  ) {}

  /**
   * One turn: a model call, and while the model asks for tools (and the turn has tools), the tool results
   * and another call. Each call first takes a hold on the budgets (its max_tokens is what the hold grants) and
   * settles it with the call's usage. The reply is the text of every call, in order; usage is their sum. A call
   * that fails is retried as a whole (retry-policy.ts): text streamed by a failed attempt is never part of the
   * reply. A later call that can't get a hold ends the turn with stop reason budget_exhausted, keeping the text.
   */
  async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
    const started = this.deps.now();
    const messages: Anthropic.MessageParam[] = [
      ...input.history.map((m) => ({ role: m.role, content: m.content })),
      { role: 'user', content: input.message },
    ];
    const tools = input.tools && options.executeTool ? input.tools : undefined;
    const texts: string[] = [];
    const toolCalls: ToolCallRecord[] = [];
    let usage: Usage = ZERO_USAGE;
    let model = this.spec.model;
    let stopReason: string | null = null;
    let retries = 0;
    try {
      for (let call = 1; call <= MAX_MODEL_CALLS_PER_TURN; call++) {
        let hold: CallHold;
        try {
          hold = await options.calls.hold({ promptTokens: promptEstimate(this.spec.systemPrompt, messages, tools) }, options.signal);
        } catch (error) {
          if (call > 1 && error instanceof OrchestratorError && error.code === 'limit_exceeded') {
            stopReason = BUDGET_EXHAUSTED;
            break;
          }
          throw error;
        }
        const callStarted = this.deps.now();
        let answered: { value: Anthropic.Message; retries: number };
        try {
          answered = await chatSpan({ model: this.spec.model, maxTokens: hold.maxTokens, via: 'api' }, async (span) => {
            const reply = await this.#call(messages, hold.maxTokens, tools, options);
            const m = reply.value;
            chatFinished(span, { id: m.id, model: m.model, usage: usageFromApi(m.usage), finishReason: m.stop_reason, retries: reply.retries });
            return reply;
          });
        } catch (error) {
          await hold.release();
          throw error;
        }
        retries += answered.retries;
        const final = answered.value;
        const callUsage = usageFromApi(final.usage);
        await hold.settle({ usage: callUsage, model: final.model, durationMs: Math.round(this.deps.now() - callStarted) });
        usage = addUsage(usage, callUsage);
        model = final.model;
        stopReason = final.stop_reason;
        const text = final.content.filter((b): b is Anthropic.TextBlock => b.type === 'text').map((b) => b.text).join('');
        if (text !== '') texts.push(text);
        const uses = final.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        if (!tools || final.stop_reason !== 'tool_use' || uses.length === 0) break;
        messages.push({ role: 'assistant', content: final.content as Anthropic.ContentBlockParam[] });
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const use of uses) {
          options.onEvent?.({ type: 'activity', activity: 'running_tool', tool: use.name });
          const executed = await (options.executeTool as NonNullable<TurnOptions['executeTool']>)(use.name, use.input, options.signal);
          toolCalls.push({
            name: use.name,
            input: use.input,
            isError: executed.isError,
            result: executed.content.slice(0, RECORDED_RESULT_CHARS),
            ...(executed.childVerification !== undefined ? { childVerification: executed.childVerification } : {}),
          });
          results.push({ type: 'tool_result', tool_use_id: use.id, content: executed.content, is_error: executed.isError });
        }
        messages.push({ role: 'user', content: results });
      }
    } catch (error) {
      throw fromApiError(error, options.signal);
    }
    return { text: texts.join('\n\n'), usage, stopReason, durationMs: Math.round(this.deps.now() - started), model, toolCalls, retries };
  }

  /** One model call, retried by the policy; every attempt holds a permit of the backend's limiter. */
  #call(messages: readonly Anthropic.MessageParam[], maxTokens: number, tools: TurnInput['tools'], options: TurnOptions): Promise<{ value: Anthropic.Message; retries: number }> {
    const params: Anthropic.MessageStreamParams = {
      model: this.spec.model,
      max_tokens: maxTokens,
      system: systemParam(this.spec.systemPrompt, this.deps.caching),
      messages: withConversationBreakpoint(messages, this.deps.caching),
      ...(tools ? { tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.input_schema as Anthropic.Tool.InputSchema })) } : {}),
    };
    const runner = this.deps.runner;
    const onRetry: CallRunner['onRetry'] = (notice) => {
      runner.onRetry?.(notice);
      options.onEvent?.({ type: 'retry', retry: notice.retry, afterMs: notice.afterMs, reason: notice.failure.kind });
    };
    const onCongestion: CallRunner['onCongestion'] = (notice) => {
      runner.onCongestion?.(notice);
      options.onEvent?.({ type: 'rate_limited', ...notice });
    };
    return callWithRetries(() => this.#stream(params, options), options.signal, { ...runner, onRetry, onCongestion }, {
      scope: this.spec.model,
      onLimited: () => options.onEvent?.({ type: 'activity', activity: 'waiting_for_rate_limit' }),
      ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
    });
  }

  /**
   * One attempt, streamed. A stream that sends no event for `stallMs` (from the request, or since its last
   * event) is aborted with StreamStalledError, which the retry policy retries as a fault (reason `stalled`).
   */
  #stream(params: Anthropic.MessageStreamParams, options: TurnOptions): Promise<Anthropic.Message> {
    const onEvent = options.onEvent;
    onEvent?.({ type: 'activity', activity: 'thinking' });
    const watchdog = abortOnStall(this.deps.stallMs ?? DEFAULTS.stallTimeoutSeconds * 1000, () => onEvent?.({ type: 'activity', activity: 'stalled' }));
    const stream = this.client.messages.stream(params, { signal: AbortSignal.any([options.signal, watchdog.signal]) });
    const alive = () => {
      watchdog.touch();
      // A sign of life for liveness: the same activity again is only a timestamp there.
      onEvent?.({ type: 'activity', activity: 'thinking' });
    };
    stream.on('connect', alive);
    stream.on('streamEvent', alive);
    if (onEvent) stream.on('text', (text) => onEvent({ type: 'text', text }));
    // Test-only: announces the first streamed text so the crash matrix can kill the server mid-stream.
    if (pausesAt('mid-stream')) stream.on('text', () => void pauseAt('mid-stream'));
    return stream
      .finalMessage()
      .catch((error: unknown) => {
        // Our own abort of a silent stream, not the caller's: a fault to retry, not a cancellation.
        throw watchdog.stalled !== undefined && !options.signal.aborted ? watchdog.stalled : error;
      })
      .finally(() => watchdog.stop());
  }

  async close(): Promise<void> {
    // Stateless over HTTP: the conversation lives in the store, so there is nothing to release.
  }
}

/** A call's prompt size for its hold: the system prompt, the messages (tool results included) and the tools, as sent. */
function promptEstimate(system: string, messages: readonly Anthropic.MessageParam[], tools: TurnInput['tools']): number {
  let bytes = utf8Bytes(system);
  for (const m of messages) bytes += utf8Bytes(typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
  if (tools) bytes += utf8Bytes(JSON.stringify(tools));
  return estimateTokens(bytes, messages.length);
}
