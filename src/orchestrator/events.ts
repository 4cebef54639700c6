import type { InstanceState, TransitionReason } from '../domain/instance.js';
import type { Usage } from '../domain/usage.js';

/**
 * What happens in the orchestrator, as typed events: published after the change is committed, from the one
 * place each change is made (lifecycle transitions, turn start and settlement, model-call settlement,
 * retries, task progress); `turn.text` alone is progress (a turn's reply as it streams), not a committed
 * change. Metrics, the dashboard, traces and other nodes subscribe; the code that makes the change never
 * knows who listens.
 */
export type DomainEvent =
  | {
      readonly type: 'instance.spawned';
      readonly at: string;
      readonly instanceId: string;
      readonly name: string;
      readonly role: string;
      readonly model: string;
      readonly backend: string;
      readonly parentId: string | null;
    }
  | {
      readonly type: 'instance.state_changed';
      readonly at: string;
      readonly instanceId: string;
      readonly from: InstanceState | null;
      readonly to: InstanceState;
      readonly reason: TransitionReason;
      readonly detail?: string;
    }
  | { readonly type: 'turn.started'; readonly at: string; readonly instanceId: string; readonly seq: number; readonly chars: number }
  /**
   * Progress, not a committed change: reply text as it streams during a turn, batched (a few events a second
   * per turn; what is pending is published before the turn's `turn.settled`). `offset` is how much reply text
   * came before this chunk (in UTF-16 code units, JavaScript string length), so a listener that joined
   * mid-turn sees a gap. The stored reply, announced by `turn.settled`, is what counts: a retried model call
   * streams its text again, and a turn of several calls stores their texts separated by blank lines.
   */
  | { readonly type: 'turn.text'; readonly at: string; readonly instanceId: string; readonly seq: number; readonly offset: number; readonly text: string }
  | {
      readonly type: 'call.settled';
      readonly at: string;
      readonly instanceId: string;
      readonly model: string;
      readonly usage: Usage;
      /** null: the model has no known price. */
      readonly costNanos: number | null;
      readonly durationMs: number;
      /** The max_tokens the call was held for. */
      readonly maxTokens: number;
    }
  | { readonly type: 'call.retried'; readonly at: string; readonly instanceId: string; readonly retry: number; readonly afterMs: number; readonly reason: string }
  /** The model API said slow down (429, 529, overloaded_error: `reason`), retried or not; the adaptive limit was cut. */
  | { readonly type: 'call.rate_limited'; readonly at: string; readonly instanceId: string; readonly reason: string; readonly retryAfterMs: number | null }
  | {
      readonly type: 'turn.settled';
      readonly at: string;
      readonly instanceId: string;
      /** The user message's sequence number in the conversation. */
      readonly seq: number;
      readonly outcome: 'completed' | 'failed';
      readonly usage: Usage;
      readonly costNanos: number | null;
      readonly durationMs: number;
      readonly calls: number;
      readonly stopReason: string | null;
      readonly error?: { readonly code: string; readonly message: string };
    }
  /**
   * Progress, not a committed change: an instance's activity changed (src/liveness). Published on a change
   * only, never per streamed chunk; `since` is when the new activity began.
   */
  | {
      readonly type: 'activity.changed';
      readonly at: string;
      readonly instanceId: string;
      readonly activity: string;
      readonly since: string;
      readonly tool?: string;
    }
  /**
   * A permission ask of an instance's agent is open (`approval.waiting`) or answered (`approval.settled`):
   * liveness shows `waiting_for_approval` while any is open. Published around every permission ask of a turn
   * (approvals/approvals.ts) and every question to raise a budget (budget-ask), with the ask's `approvalId`.
   */
  | { readonly type: 'approval.waiting'; readonly at: string; readonly instanceId: string; readonly tool: string; readonly approvalId?: string }
  | { readonly type: 'approval.settled'; readonly at: string; readonly instanceId: string; readonly allowed: boolean; readonly approvalId?: string }
  /**
   * A spent budget was raised when the user was asked (budget-ask): `budget.instanceId` null is the global
   * MAX_TOTAL_COST (raised on this server). `from`/`to` are tokens, or nano-dollars for cost; `instanceId` is
   * the instance whose model call was refused.
   */
  | { readonly type: 'budget.raised'; readonly at: string; readonly instanceId: string; readonly budget: BudgetRefEvent; readonly from: number; readonly to: number }
  /** A question to raise a spent budget ended without a raise: declined, cancelled, unanswered in time, or failed. */
  | { readonly type: 'budget.declined'; readonly at: string; readonly instanceId: string; readonly budget: BudgetRefEvent; readonly answer: 'decline' | 'cancel' | 'timeout' | 'failed' }
  | {
      readonly type: 'task.progress';
      readonly at: string;
      readonly taskId: string;
      readonly state: string;
      readonly message: string;
      readonly completedTurns: number;
      readonly totalTurns: number | null;
      readonly tokens: number;
    }
  /** A task left by a server that stopped was taken over and runs again here, reusing `reusedTurns` finished turns (src/resume). */
  | { readonly type: 'task.resumed'; readonly at: string; readonly taskId: string; readonly kind: string; readonly reusedTurns: number };

/** Which budget a budget event is about: an instance's limit of tokens or cost, or (instanceId null) the global one. */
export interface BudgetRefEvent {
  readonly instanceId: string | null;
  readonly kind: 'tokens' | 'cost';
}

export type DomainEventType = DomainEvent['type'];
export type EventListener = (event: DomainEvent) => void;

/** An in-process stream of domain events. Listeners run synchronously, in order; one that throws is reported, never breaks the others. */
export class EventBus {
  readonly #listeners = new Set<EventListener>();
  readonly #onListenerError: (error: unknown, event: DomainEvent) => void;

  constructor(onListenerError: (error: unknown, event: DomainEvent) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: DomainEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
