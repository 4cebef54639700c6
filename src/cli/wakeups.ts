import type { ServerClient } from './server-client.js';

/** Without the event stream (an older server, a proxy that cuts it), how often to look for new messages. */
const POLL_MS = 500;
/** With it, still look this often: a dropped stream or a missed event can delay a message, never lose it. */
const SAFETY_POLL_MS = 5_000;

/**
 * When `logs --follow` should look again: as soon as the server publishes an event for the instance on
 * `GET /events?instance=<id>`, or, without that stream, every half second.
 */
export class Wakeups {
  /** Settles once the stream is open, or known not to be: fetch after it and no event is missed. */
  readonly ready: Promise<void>;
  #live = false;
  #pending = false;
  /** The type of the SSE event being read (`event:` line; `message` when none). */
  #event = 'message';
  #wake: (() => void) | undefined;

  constructor(client: ServerClient, instanceId: string, signal: AbortSignal) {
    let opened!: () => void;
    this.ready = new Promise<void>((resolve) => (opened = resolve));
    void this.#listen(client, instanceId, signal, opened);
  }

  /** Resolves at the next event (or one that came since the last call), or after the poll interval. */
  async next(signal: AbortSignal): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#live ? SAFETY_POLL_MS : POLL_MS);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
    this.#pending = false;
  }

  async #listen(client: ServerClient, instanceId: string, signal: AbortSignal, opened: () => void): Promise<void> {
    try {
      const body = await client.stream(`/events?instance=${encodeURIComponent(instanceId)}`, signal);
      if (!body) return;
      this.#live = true;
      opened();
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        // An event's `data:` line; comments (heartbeats) and the retry hint wake nobody, and nor does streamed
        // reply text (`turn.text`, several a second during a turn): the stored reply follows with `turn.settled`.
        let wake = false;
        for (const line of lines) {
          if (line.startsWith('event:')) this.#event = line.slice(6).trim();
          else if (line.startsWith('data:') && this.#event !== 'turn.text') wake = true;
          else if (line === '') this.#event = 'message';
        }
        if (wake) {
          this.#pending = true;
          this.#wake?.();
        }
      }
    } catch (error) {
      // The stream failed or was closed (Ctrl-C, the server stopping): polling carries on, and the next request says why.
      void error;
    } finally {
      this.#live = false;
      opened();
    }
  }
}
