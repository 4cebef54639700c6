import Anthropic from '@anthropic-ai/sdk';
import { OrchestratorError } from '../../domain/errors.js';
import { usageFromApi } from '../../domain/usage.js';
import type { Backend, Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { fromApiError } from './api-errors.js';

export interface ApiBackendOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  /** Retries the SDK makes on 408/409/429/5xx, honouring retry-after. */
  readonly maxRetries?: number;
  readonly now?: () => number;
}

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

  async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
    const started = this.now();
    const messages: Anthropic.MessageParam[] = [
      ...input.history.map((m) => ({ role: m.role, content: m.content })),
      { role: 'user', content: input.message },
    ];
    try {
      const stream = this.client.messages.stream(
        { model: this.spec.model, max_tokens: input.maxTokens, system: this.spec.systemPrompt, messages },
        { signal: options.signal },
      );
      if (options.onEvent) {
        const onEvent = options.onEvent;
        stream.on('text', (text) => onEvent({ type: 'text', text }));
      }
      const final = await stream.finalMessage();
      const text = final.content
        .filter((block): block is Anthropic.TextBlock => block.type === 'text')
        .map((block) => block.text)
        .join('');
      return {
        text,
        usage: usageFromApi(final.usage),
        stopReason: final.stop_reason,
        durationMs: Math.round(this.now() - started),
        model: final.model,
      };
    } catch (error) {
      throw fromApiError(error, options.signal);
    }
  }

  async close(): Promise<void> {
    // Stateless over HTTP: the conversation lives in the store, so there is nothing to release.
  }
}
