/**
 * Seconds (a user's `timeout_seconds`, a setting) as milliseconds for a timer. AbortSignal.timeout takes only
 * whole milliseconds (it throws on 1500.5), so round up: a timeout never fires before the time asked for.
 */
export function secondsToTimerMs(seconds: number): number {
  return Math.ceil(seconds * 1000);
}
