import type { HoldState } from './hold-refusal.js';

interface Pause {
  /** Limiter-clock ms when requests of this scope may go again. */
  readonly until: number;
  /** The server's retry-after behind it (ms), which may be longer than the pause (capped). */
  readonly askedMs: number;
}

/**
 * The retry-after pauses in force, one per scope (the model a request is for: the API rate-limits a key
 * per model), each capped at `maxPauseMs`: a 429 with `retry-after: 3600` on one model holds that model's
 * requests for at most the cap, and never another model's.
 */
export class RetryAfterPauses {
  readonly #byScope = new Map<string, Pause>();

  constructor(private readonly maxPauseMs: number) {}

  /** Pauses `scope` for the server's wait (capped); returns the new end when that extended the pause. */
  extend(scope: string, now: number, retryAfterMs: number): number | undefined {
    const until = now + Math.min(retryAfterMs, this.maxPauseMs);
    if (until <= this.until(scope, now)) return undefined;
    this.#byScope.set(scope, { until, askedMs: retryAfterMs });
    return until;
  }

  /** When `scope` may go again (at most `now` when it is not paused). */
  until(scope: string, now: number): number {
    const pause = this.#byScope.get(scope);
    if (pause === undefined) return 0;
    if (pause.until > now) return pause.until;
    this.#byScope.delete(scope);
    return 0;
  }

  /** True while any scope is paused. */
  any(now: number): boolean {
    for (const scope of [...this.#byScope.keys()]) if (this.until(scope, now) > now) return true;
    return false;
  }

  /** The hold on `scope` in wall-clock terms, or undefined when there is none. */
  state(scope: string, now: number, wallNow: number): HoldState | undefined {
    const until = this.until(scope, now);
    const pause = this.#byScope.get(scope);
    if (until <= now || pause === undefined) return undefined;
    const liftsAtWallMs = wallNow + (until - now);
    const capped = pause.askedMs > this.maxPauseMs;
    // The pause began when the server said wait, and it asked for askedMs from then.
    const askedUntilWallMs = capped ? liftsAtWallMs - this.maxPauseMs + pause.askedMs : liftsAtWallMs;
    return { liftsAtWallMs, askedUntilWallMs, askedMs: pause.askedMs, capped };
  }
}
