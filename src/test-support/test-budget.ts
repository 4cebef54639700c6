import type { CallBudget, CallHold, HoldRequest, SettledCall } from '../backends/call-budget.js';
import { OrchestratorError } from '../domain/errors.js';
import { totalTokens } from '../domain/usage.js';

/**
 * A CallBudget for backend tests (the orchestrator's real one is tested with the orchestrator): grants every
 * call a hold of at most `maxTokens`, records requests, settlements and releases, and refuses calls once the
 * settled calls have used `tokenBudget` tokens, as a spent budget does.
 */
export class TestBudget implements CallBudget {
  readonly requests: HoldRequest[] = [];
  readonly settled: SettledCall[] = [];
  released = 0;
  refused = 0;

  constructor(
    readonly maxTokens = 4_096,
    readonly tokenBudget = Number.POSITIVE_INFINITY,
  ) {}

  /** Tokens of every settled call. */
  get usedTokens(): number {
    return this.settled.reduce((sum, call) => sum + totalTokens(call.usage), 0);
  }

  /** Holds granted and not yet settled or released. */
  get open(): number {
    return this.requests.length - this.refused - this.settled.length - this.released;
  }

  async hold(request: HoldRequest, signal: AbortSignal): Promise<CallHold> {
    this.requests.push(request);
    if (signal.aborted) {
      this.refused += 1;
      throw signal.reason as Error;
    }
    if (this.usedTokens >= this.tokenBudget) {
      this.refused += 1;
      throw new OrchestratorError('limit_exceeded', `The test budget of ${this.tokenBudget} tokens is spent.`, { binding: 'limit:tokens' });
    }
    let done = false;
    const once = () => {
      if (done) throw new Error('a hold was settled or released twice');
      done = true;
    };
    return {
      maxTokens: Math.min(this.maxTokens, request.maxTokens ?? this.maxTokens),
      settle: async (call) => {
        once();
        this.settled.push(call);
      },
      release: async () => {
        once();
        this.released += 1;
      },
    };
  }
}
