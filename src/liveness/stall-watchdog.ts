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
