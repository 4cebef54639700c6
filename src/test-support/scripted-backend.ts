import type { Backend, Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backends/backend.js';
import { estimateTokens, utf8Bytes } from '../backends/call-budget.js';
import { OrchestratorError } from '../domain/errors.js';
import { usageFromApi, type Usage } from '../domain/usage.js';

export interface ScriptedTurn {
  readonly text?: string;
  readonly usage?: Usage;
  readonly error?: Error;
  /** Resolves when the turn may finish; lets a test hold a turn open. */
  readonly gate?: Promise<void>;
}

/**
 * A backend that answers from a script: a fake for orchestrator unit tests (backends are tested on the
 * simulator). Each turn is one model call, held and settled through the turn's budget like a real one.
 */
export class ScriptedBackend implements Backend {
  readonly kind = 'api';
  readonly calls: Array<{ spec: SessionSpec; input: TurnInput; maxTokens: number }> = [];
  readonly closed: string[] = [];
  ready = true;
  #script: ScriptedTurn[] = [];

  constructor(readonly model = 'claude-sonnet-5-5') {}

  enqueue(...turns: ScriptedTurn[]): void {
    this.#script.push(...turns);
  }

  assertReady(): void {
    if (!this.ready) throw new OrchestratorError('not_configured', 'No Anthropic API key is configured (set ANTHROPIC_API_KEY).');
  }

  async start(spec: SessionSpec): Promise<Session> {
    this.assertReady();
    const calls = this.calls;
    const next = () => this.#script.shift() ?? {};
    const closed = this.closed;
    const model = this.model;
    return {
      async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
        const step = next();
        const bytes = utf8Bytes(spec.systemPrompt) + utf8Bytes(input.message) + input.history.reduce((n, m) => n + utf8Bytes(m.content), 0);
        const hold = await options.calls.hold({ promptTokens: estimateTokens(bytes, input.history.length + 1) }, options.signal);
        calls.push({ spec, input, maxTokens: hold.maxTokens });
        try {
          if (step.gate) {
            await new Promise<void>((resolve, reject) => {
              options.signal.addEventListener('abort', () => reject(options.signal.reason as Error), { once: true });
              void step.gate?.then(resolve);
            });
          }
          if (options.signal.aborted) throw options.signal.reason as Error;
          if (step.error) throw step.error;
        } catch (error) {
          await hold.release();
          throw error;
        }
        const text = step.text ?? `reply ${calls.length}`;
        const usage = step.usage ?? usageFromApi({ input_tokens: 10, output_tokens: 5 });
        await hold.settle({ usage, model, durationMs: 3 });
        options.onEvent?.({ type: 'text', text });
        return { text, usage, stopReason: 'end_turn', durationMs: 3, model, toolCalls: [] };
      },
      async close() {
        closed.push(spec.instanceId);
      },
    };
  }
}
