import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { Semaphore } from './limit-concurrency.js';
import { label } from './prompts.js';
import type { CoordinationContext, CoordinationPort, ParticipantInfo, TurnOutcome } from './types.js';
import { addTurn, EMPTY_TALLY, type Tally } from './usage-sum.js';

/** How one turn of a run ended. Strategies never see a thrown turn error: failures are values. */
export type TurnAttempt =
  | { readonly status: 'completed'; readonly outcome: TurnOutcome }
  | { readonly status: 'failed' | 'cancelled'; readonly error: string };

interface SharedProgress {
  finished: number;
  expected: number;
}

/**
 * Runs the turns of one coordination run: bounds them by `maxConcurrency` across the whole run (nested
 * levels included), stops starting turns once the signal aborts, adds every completed turn to the tally,
 * and reports progress after each turn.
 */
export class TurnRunner {
  readonly #context: CoordinationContext;
  readonly #slots: Semaphore;
  readonly #progress: SharedProgress;
  readonly #parent: TurnRunner | undefined;
  #tally: Tally = EMPTY_TALLY;

  constructor(context: CoordinationContext, parent?: TurnRunner) {
    this.#context = context;
    this.#parent = parent;
    this.#slots = parent ? parent.#slots : new Semaphore(context.maxConcurrency);
    this.#progress = parent ? parent.#progress : { finished: 0, expected: 0 };
  }

  get port(): CoordinationPort {
    return this.#context.port;
  }

  get signal(): AbortSignal {
    return this.#context.signal;
  }

  get cancelled(): boolean {
    return this.#context.signal.aborted;
  }

  /** This runner's completed turns (a nested runner's turns also count in its parent's). */
  get tally(): Tally {
    return this.#tally;
  }

  /** A runner for a nested run: same slots, signal and progress counters, a tally of its own. */
  nested(): TurnRunner {
    return new TurnRunner(this.#context, this);
  }

  /** Adjusts how many turns the run expects in all (negative when planned turns will not happen). */
  expect(turns: number): void {
    this.#progress.expected = Math.max(this.#progress.finished, this.#progress.expected + turns);
  }

  /** Reports a phase change that is not a turn (e.g. "plan accepted: 3 sub-tasks in 2 waves"). */
  note(message: string): void {
    this.#context.progress({ message, completedTurns: this.#progress.finished, totalTurns: this.#progress.expected });
  }

  /** The run's last progress update: every expected turn that did not happen is dropped from the total. */
  finish(message: string): void {
    this.#progress.expected = this.#progress.finished;
    this.note(message);
  }

  /** One turn with `who`; `done` words the progress line, e.g. "replied" → "Ana (architect) replied, 2/5". */
  async run(who: ParticipantInfo, message: string, done: string): Promise<TurnAttempt> {
    const signal = this.#context.signal;
    if (signal.aborted) return { status: 'cancelled', error: cancelledError(signal, 'started') };
    let release: (() => void) | undefined;
    try {
      release = await this.#slots.acquire(signal);
      const outcome = await this.#context.port.send(who.instance_id, message, signal);
      this.#record(outcome, who);
      this.#finished(`${label(who)} ${done}`);
      return { status: 'completed', outcome };
    } catch (error) {
      // After an abort the failure is the cancellation's doing, whatever the port threw.
      if (signal.aborted) return { status: 'cancelled', error: cancelledError(signal, 'finished') };
      const failure = toOrchestratorError(error);
      this.#finished(`${label(who)} failed (${failure.code})`);
      return { status: 'failed', error: failure.message };
    } finally {
      release?.();
    }
  }

  #record(outcome: TurnOutcome, who: ParticipantInfo): void {
    this.#tally = addTurn(this.#tally, outcome, who);
    if (this.#parent) this.#parent.#record(outcome, who);
  }

  #finished(message: string): void {
    this.#progress.finished += 1;
    this.#progress.expected = Math.max(this.#progress.expected, this.#progress.finished);
    this.note(`${message}, ${this.#progress.finished}/${this.#progress.expected}`);
  }
}

function cancelledError(signal: AbortSignal, phase: 'started' | 'finished'): string {
  const why = signal.reason instanceof OrchestratorError ? ` (${signal.reason.message})` : '';
  return `Cancelled before this turn ${phase}${why}.`;
}
