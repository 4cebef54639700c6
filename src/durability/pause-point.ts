/**
 * Test-only pause points for the crash matrix (crash-matrix.test.ts): with ORCHESTRATOR_TEST_PAUSE_AT=<point>
 * in its environment, a server that reaches that point writes `paused at <point>` to stderr and waits there
 * for ever, so a test can `kill -9` it at exactly that moment. Unset (always, outside tests) it costs one
 * comparison: the variable is read once, at load. Not a setting: never documented for users.
 */

export type PausePoint =
  /** The API backend has received the first text of a streamed reply (the reply is partly streamed). */
  | 'mid-stream'
  /** A turn's reply and charge are committed; the answer is not yet returned. */
  | 'after-commit'
  /** A spawn is recorded (`spawning`) and its workspace made; the backend session is not started. */
  | 'spawn'
  /** A terminate is recorded (`terminating`); the session and workspace are not yet cleaned up. */
  | 'terminate';

const WANTED = process.env['ORCHESTRATOR_TEST_PAUSE_AT'];
let announced = false;

/** At `point`: nothing (resolves at once) unless the test asked to pause here; then never resolves. */
export function pauseAt(point: PausePoint): Promise<void> | undefined {
  if (WANTED === undefined || WANTED !== point) return undefined;
  if (!announced) {
    announced = true;
    process.stderr.write(`paused at ${point}\n`);
  }
  return new Promise<void>(() => undefined);
}

/** Whether the test asked to pause at `point` (for a point in a synchronous callback, which can only announce it). */
export function pausesAt(point: PausePoint): boolean {
  return WANTED === point;
}
