import Anthropic from '@anthropic-ai/sdk';
import { OrchestratorError } from '../../domain/errors.js';
import { addUsage, totalTokens, usageFromApi, ZERO_USAGE, type Usage } from '../../domain/usage.js';
import type { Backend, Session, SessionSpec, ToolCallRecord, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { fromApiError } from './api-errors.js';

export interface ApiBackendOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  /** Retries the SDK makes on 408/409/429/5xx, honouring retry-after. */
  readonly maxRetries?: number;
  readonly now?: () => number;
}

/** A turn with tools may call the model at most this many times, so a looping model can't run forever. */
export const MAX_MODEL_CALLS_PER_TURN = 25;
const RECORDED_RESULT_CHARS = 2_000;

/** Instances that are conversations with the Messages API, streamed through the official SDK. */
export class ApiBackend implements Backend {
  readonly kind = 'api' as const;
  readonly #client: Anthropic | undefined;
  readonly #now: () => number;

  constructor(options: ApiBackendOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#client = options.apiKey
      ? new Anthropic({
          apiKey: options.apiKey,
          baseURL: options.baseUrl ?? 'https://api.anthropic.com',
          maxRetries: options.maxRetries ?? 2,
        })
      : undefined;
  }

  assertReady(): void {
    if (!this.#client) {
      throw new OrchestratorError(
        'not_configured',
        'No Anthropic API key is configured, so api instances cannot run. Set ANTHROPIC_API_KEY in the environment of the ' +
          'orchestrator (for `claude mcp add`, pass `-e ANTHROPIC_API_KEY=...`) and restart it. To try it offline, run ' +
          '`claude-orchestrator simulator --port 8002` and start the server with ANTHROPIC_BASE_URL=http://127.0.0.1:8002 ANTHROPIC_API_KEY=sim.',
      );
    }
  }

  async start(spec: SessionSpec): Promise<Session> {
    this.assertReady();
    return new ApiSession(this.#client as Anthropic, spec, this.#now);
  }
}

class ApiSession implements Session {
  constructor(
    private readonly client: Anthropic,
    private readonly spec: SessionSpec,
    private readonly now: () => number,
  ) {}

  /**
   * One turn: a model call, and while the model asks for tools (and the turn has tools), the tool results
   * and another call. The reply is the text of every call, in order; usage is the sum of every call.
   */
  async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
    const started = this.now();
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
    try {
      for (let call = 1; call <= MAX_MODEL_CALLS_PER_TURN; call++) {
        const left = input.tokenBudget - totalTokens(usage);
        const final = await this.#call(messages, Math.max(1, Math.min(input.maxTokens, left)), tools, options);
        const callUsage = usageFromApi(final.usage);
        usage = addUsage(usage, callUsage);
        options.onEvent?.({ type: 'usage', usage: callUsage });
        model = final.model;
        stopReason = final.stop_reason;
        const text = final.content.filter((b): b is Anthropic.TextBlock => b.type === 'text').map((b) => b.text).join('');
        if (text !== '') texts.push(text);
        const uses = final.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        if (!tools || final.stop_reason !== 'tool_use' || uses.length === 0) break;
        if (totalTokens(usage) >= input.tokenBudget) {
          stopReason = 'token_budget';
          break;
        }
        messages.push({ role: 'assistant', content: final.content as Anthropic.ContentBlockParam[] });
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const use of uses) {
          const executed = await (options.executeTool as NonNullable<TurnOptions['executeTool']>)(use.name, use.input, options.signal);
          toolCalls.push({ name: use.name, input: use.input, isError: executed.isError, result: executed.content.slice(0, RECORDED_RESULT_CHARS) });
          results.push({ type: 'tool_result', tool_use_id: use.id, content: executed.content, is_error: executed.isError });
        }
        messages.push({ role: 'user', content: results });
      }
    } catch (error) {
      throw fromApiError(error, options.signal);
    }
    return { text: texts.join('\n\n'), usage, stopReason, durationMs: Math.round(this.now() - started), model, toolCalls };
  }

  async #call(messages: Anthropic.MessageParam[], maxTokens: number, tools: TurnInput['tools'], options: TurnOptions): Promise<Anthropic.Message> {
    const stream = this.client.messages.stream(
      {
        model: this.spec.model,
        max_tokens: maxTokens,
        system: this.spec.systemPrompt,
        messages,
        ...(tools ? { tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.input_schema as Anthropic.Tool.InputSchema })) } : {}),
      },
      { signal: options.signal },
    );
    if (options.onEvent) {
      const onEvent = options.onEvent;
      stream.on('text', (text) => onEvent({ type: 'text', text }));
    }
    return stream.finalMessage();
  }

  async close(): Promise<void> {
    // Stateless over HTTP: the conversation lives in the store, so there is nothing to release.
  }
}
