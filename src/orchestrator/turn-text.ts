/** At most this often a turn's streamed text is published: four events a second per turn, however fast the model writes. */
export const TURN_TEXT_INTERVAL_MS = 250;

/** Publishes one chunk: `offset` characters of reply text came before `text`. */
export type PublishText = (offset: number, text: string) => void;

/**
 * A turn's reply text as it streams, batched into `turn.text` events: the first chunk goes out at once, later
 * ones at most every `intervalMs`, joined. `close()` publishes what is pending (the turn calls it before its
 * `turn.settled`) and ignores anything that arrives after.
 */
export class TurnTextStream {
  #offset = 0;
  #pending = '';
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly publish: PublishText,
    private readonly intervalMs = TURN_TEXT_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  push(text: string): void {
    if (this.#closed || text === '') return;
    this.#pending += text;
    if (this.#timer !== undefined) return;
    const wait = this.#lastAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.#flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, wait);
    this.#timer.unref?.();
  }

  /** Publishes what is pending; later text is dropped. */
  close(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
    this.#closed = true;
  }

  #flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.publish(this.#offset, text);
    this.#offset += text.length;
    this.#lastAt = this.now();
  }
}
