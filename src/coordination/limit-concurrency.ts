/**
 * Bounds how many turns of one run are in flight at once. Slots are handed to waiters in arrival order,
 * and a waiter whose signal aborts leaves the queue at once, so a cancelled run never waits for a slot.
 */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];

  /** `max` below 1 (or NaN) counts as 1; Infinity means unbounded. */
  constructor(max: number) {
    this.#free = Number.isNaN(max) ? 1 : Math.max(1, Math.floor(max));
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#free > 0) {
      this.#free -= 1;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal.reason);
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so a newcomer can never overtake the queue.
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free += 1;
    };
  }
}
