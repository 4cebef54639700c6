import { classifyFailure, type ApiFailure } from './api-failure.js';
import { fromApiError } from './api-errors.js';
import type { RequestLimiter, RequestOutcome } from './concurrency-limiter.js';
import { decideRetry, isCongestion, type RetrySettings } from './retry-policy.js';
import type { Sleep } from '../../async/sleep.js';

export interface RetryNotice {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly afterMs: number;
  readonly failure: ApiFailure;
}

/** What runs a call: the policy's settings, the limiter, and the injected time sources. */
export interface CallRunner {
  readonly retry: RetrySettings;
  readonly limiter: RequestLimiter;
  readonly sleep: Sleep;
  /** Monotonic ms, for the elapsed-time bound. */
  readonly now: () => number;
  /** Wall-clock ms, to read a retry-after given as an HTTP date. */
  readonly wallNow: () => number;
  readonly random: () => number;
  /** Told before each retry's wait (logs, tests). */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Told of each answer that said slow down (429, 529, overloaded), retried or not (metrics). */
  readonly onCongestion?: (notice: CongestionNotice) => void;
}

/** What a call's waits are bounded by and held with. */
export interface CallScope {
  /** What is left of the caller's time (its turn's timeout), when it has a bound. */
  readonly remainingMs?: () => number;
  /** The limiter's scope for retry-after pauses: the model the call is for. */
  readonly scope?: string;
  /** Told when an attempt has to wait for the limiter (a retry-after pause, or the adaptive limit after 429/529). */
  readonly onLimited?: () => void;
}

export interface CongestionNotice {
  /** The status (429, 529) or the stream's error type (overloaded_error, rate_limit_error). */
  readonly reason: string;
  readonly retryAfterMs: number | null;
}

/**
 * Runs one API call: takes a permit from the limiter for each attempt, reports how it went, and asks
 * the retry policy what to do after a failure. Every failure leaves as an OrchestratorError that
 * says how many retries were made and why they stopped.
 */
export async function callWithRetries<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  runner: CallRunner,
  call: CallScope = {},
): Promise<{ value: T; retries: number }> {
  const { remainingMs, scope, onLimited } = call;
  const started = runner.now();
  // No wait for a permit outlasts the retry bound or the caller's time: a longer hold refuses the call at once.
  const maxWaitMs = () => Math.max(0, Math.min(runner.retry.maxElapsedMs - (runner.now() - started), remainingMs?.() ?? Number.POSITIVE_INFINITY));
  for (let retries = 0; ; retries++) {
    const permit = await withAbortReason(noticeWait(runner.limiter.acquire(signal, { since: started, maxWaitMs: maxWaitMs(), ...(scope !== undefined ? { scope } : {}) }), onLimited), signal);
    let thrown: unknown;
    let failure: ApiFailure;
    try {
      const value = await attempt();
      permit.release({ kind: 'success' });
      return { value, retries };
    } catch (error) {
      thrown = error;
      failure = classifyFailure(error, runner.wallNow());
      permit.release(outcomeOf(failure));
      if (isCongestion(failure)) runner.onCongestion?.(congestionOf(failure));
    }
    if (signal.aborted) throw fromApiError(thrown, signal);
    const elapsedMs = runner.now() - started;
    const decided = decideRetry(failure, { retries, elapsedMs }, runner.retry, runner.random);
    // A wait past the caller's own time would end in its timeout: give up now and say when to try again.
    const decision = decided.retry && remainingMs !== undefined && decided.afterMs > remainingMs() ? ({ retry: false, reason: 'past_deadline' } as const) : decided;
    if (!decision.retry) throw fromApiError(thrown, signal, { retries, gaveUp: decision.reason, elapsedMs, ...serverWait(failure, runner.wallNow()) });
    runner.onRetry?.({ retry: retries + 1, afterMs: decision.afterMs, failure });
    await withAbortReason(runner.sleep(decision.afterMs, signal), signal);
  }
}

/** `permit`, calling `onWait` if it is not granted at once (an already granted permit settles before the timer). */
function noticeWait<T>(permit: Promise<T>, onWait: (() => void) | undefined): Promise<T> {
  if (onWait === undefined) return permit;
  const timer = setTimeout(onWait, 0);
  return permit.finally(() => clearTimeout(timer));
}

/** A wait that can only fail by an abort, leaving with the abort's reason as an OrchestratorError. */
async function withAbortReason<T>(wait: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    throw fromApiError(error, signal);
  }
}

/** When the server asked us to wait until (wall ms), if it did. */
function serverWait(failure: ApiFailure, wallNowMs: number): { retryAfterMs?: number; retryAtWallMs?: number } {
  if (failure.kind !== 'status' || failure.retryAfterMs === undefined) return {};
  return { retryAfterMs: failure.retryAfterMs, retryAtWallMs: wallNowMs + failure.retryAfterMs };
}

function congestionOf(failure: ApiFailure): CongestionNotice {
  if (failure.kind === 'status') return { reason: String(failure.status), retryAfterMs: failure.retryAfterMs ?? null };
  return { reason: failure.kind === 'stream_error' ? failure.errorType : failure.kind, retryAfterMs: null };
}

function outcomeOf(failure: ApiFailure): RequestOutcome {
  if (!isCongestion(failure)) return { kind: 'failure' };
  return failure.kind === 'status' && failure.retryAfterMs !== undefined ? { kind: 'congestion', retryAfterMs: failure.retryAfterMs } : { kind: 'congestion' };
}
