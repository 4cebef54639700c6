import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerClient } from './server-client.js';
import { Wakeups } from './wakeups.js';

/** An event stream the test writes to, as `GET /events` would send it. */
function pushStream() {
  const queue: Uint8Array[] = [];
  let waiting: (() => void) | undefined;
  const stream: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as Uint8Array;
        await new Promise<void>((resolve) => (waiting = resolve));
      }
    },
  };
  return {
    client: { stream: async () => stream } as unknown as ServerClient,
    push(text: string) {
      queue.push(new TextEncoder().encode(text));
      waiting?.();
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => vi.useRealTimers());

describe('logs --follow wake-ups', () => {
  it('wake on a stored change, never on streamed reply text (turn.text), heartbeats or the retry hint', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { client, push } = pushStream();
    const wakeups = new Wakeups(client, 'inst_1', new AbortController().signal);
    await wakeups.ready;
    push('retry: 2000\n: connected\n\n');
    push('event: turn.text\ndata: {"type":"turn.text","text":"Hel"}\n\nevent: turn.text\ndata: {"type":"turn.text","text":"lo"}\n\n: heartbeat\n\n');
    await settle();
    let woken = false;
    const next = wakeups.next(new AbortController().signal).then(() => (woken = true));
    await settle();
    expect(woken).toBe(false);
    push('event: turn.settled\ndata: {"type":"turn.settled"}\n\n');
    await next;
    expect(woken).toBe(true);
  });
});
