import { OrchestratorError } from '../../domain/errors.js';
import { captureContext, type Context } from '../../observability/tracing.js';
import type { BackendEvent } from '../backend.js';
import type { CallBudget, CallHold, HoldRequest } from '../call-budget.js';
import type { ModelProxy } from './model-proxy.js';

/**
 * One agent's way to the model: its capability token at the model proxy, and the running turn its calls are
 * held against. Outside a turn the agent may not call the model at all; a call the turn's budget refuses
 * marks the turn and asks the session to stop the agent there.
 */
export class AgentModelRoute {
  /** The agent's ANTHROPIC_API_KEY: good only at the proxy, and only while the session lasts. */
  readonly token: string;
  readonly #proxy: ModelProxy;
  #turn: { readonly calls: CallBudget; readonly signal: AbortSignal; readonly trace: Context; readonly onEvent: ((event: BackendEvent) => void) | undefined; refused: boolean; stalls: number } | undefined;

  constructor(proxy: ModelProxy, instanceId: string, stopAgent: () => void) {
    this.#proxy = proxy;
    this.token = proxy.register({
      budget: {
        hold: (request: HoldRequest, signal: AbortSignal): Promise<CallHold> => {
          const turn = this.#turn;
          if (!turn) return Promise.reject(new OrchestratorError('invalid_state', `Instance ${instanceId} is not running a turn: its agent may not call the model now.`));
          return turn.calls.hold(request, signal);
        },
      },
      signal: () => this.#turn?.signal,
      onRefused: () => {
        if (!this.#turn || this.#turn.refused) return;
        this.#turn.refused = true;
        stopAgent();
      },
      traceContext: () => this.#turn?.trace,
      onRateLimited: () => this.#turn?.onEvent?.({ type: 'activity', activity: 'waiting_for_rate_limit' }),
      // The proxy cut a silent call: the agent's client retries it, so it counts as a retry of this turn.
      onStalled: () => {
        const turn = this.#turn;
        if (!turn) return;
        turn.stalls += 1;
        turn.onEvent?.({ type: 'activity', activity: 'stalled' });
        turn.onEvent?.({ type: 'retry', retry: turn.stalls, afterMs: 0, reason: 'stalled' });
      },
    });
  }

  /** The proxy's base URL, for the agent's ANTHROPIC_BASE_URL. */
  get baseUrl(): string {
    return this.#proxy.url;
  }

  /** A turn starts: the agent's model calls are held against its budget, aborted with it, and traced under its span (the context it starts in). */
  begin(calls: CallBudget, signal: AbortSignal, onEvent?: (event: BackendEvent) => void): void {
    this.#turn = { calls, signal, trace: captureContext(), onEvent, refused: false, stalls: 0 };
  }

  /** The turn is over; says whether the budget refused one of its calls. */
  end(): { readonly refused: boolean } {
    const refused = this.#turn?.refused ?? false;
    this.#turn = undefined;
    return { refused };
  }

  /** The session is over: the token stops working. */
  close(): void {
    this.#proxy.unregister(this.token);
  }
}
