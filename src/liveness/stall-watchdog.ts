/** What a model stream that went silent is aborted with; retried as a fault (the retry's reason is `stalled`). */
export class StreamStalledError extends Error {
  readonly silentMs: number;

  constructor(silentMs: number) {
    super(`The model stream sent nothing for ${Math.round(silentMs / 100) / 10} s (STALL_TIMEOUT_SECONDS); it was aborted.`);
    this.name = 'StreamStalledError';
    this.silentMs = silentMs;
  }
}

export interface StallWatchdog {
  /** A sign of life (bytes arrived): the silence starts again from now. Cheap: no timer is touched. */
  touch(): void;
  /** Stops watching (the stream ended or failed). */
  stop(): void;
}

/**
 * Calls `onStall` once if `touch` isn't called for `stallMs`. One timer at a time, re-armed for what is left
 * of the limit when it fires early, so a stream of many chunks costs a timestamp per chunk, not a timer.
 */
export function watchForStall(stallMs: number, onStall: (silentMs: number) => void, now: () => number = () => performance.now()): StallWatchdog {
  let last = now();
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(check, ms);
    timer.unref();
  };
  const check = () => {
    const silent = now() - last;
    if (silent >= stallMs) {
      timer = undefined;
      onStall(silent);
    } else arm(stallMs - silent);
  };
  arm(stallMs);
  return {
    touch: () => {
      last = now();
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A watchdog that aborts its `signal` with a StreamStalledError when the stream it watches goes silent. */
export interface StallAbort extends StallWatchdog {
  /** Aborted (reason: the StreamStalledError) once the silence passes the limit. */
  readonly signal: AbortSignal;
  /** The error the stream was aborted with, once it stalled. */
  readonly stalled: StreamStalledError | undefined;
}

/**
 * Watches one streamed call: past `stallMs` of silence its `signal` aborts with a StreamStalledError (to
 * combine with the caller's own signal), then `onStall` is told. The caller tells its own abort from a stall
 * by which signal fired: only `stalled` set and the caller's signal not aborted is a stall, a fault to retry.
 */
export function abortOnStall(stallMs: number, onStall?: (silentMs: number) => void): StallAbort {
  const controller = new AbortController();
  let stalled: StreamStalledError | undefined;
  const watchdog = watchForStall(stallMs, (silentMs) => {
    stalled = new StreamStalledError(silentMs);
    controller.abort(stalled);
    onStall?.(silentMs);
  });
  return {
    signal: controller.signal,
    get stalled() {
      return stalled;
    },
    touch: watchdog.touch,
    stop: watchdog.stop,
  };
}
