import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { sseFrame, type SseEvent } from './sse.js';
import { delay } from './wait.js';

export interface StreamOptions {
  readonly requestId: string;
  /** Pause before every content_block_delta after the first, so clients see text arrive piece by piece. */
  readonly chunkDelayMs: number;
  /** Aborts when the client goes away or the simulator closes; writing stops at once. */
  readonly signal: AbortSignal;
  /**
   * 'complete' (default) ends the response normally; 'cut' closes the connection after the last event
   * without ending the body, as a dropped connection mid-reply looks to the client.
   */
  readonly ending?: 'complete' | 'cut';
  /** Freeze after `afterDeltas` content deltas: nothing is sent for `forMs` (undefined: until the client leaves). */
  readonly stall?: { readonly afterDeltas: number; readonly forMs: number | undefined };
}

/** Writes `events` as a `text/event-stream` response, honouring backpressure and aborts. */
export async function writeEventStream(
  res: ServerResponse,
  events: readonly SseEvent[],
  options: StreamOptions,
): Promise<void> {
  const { signal } = options;
  if (signal.aborted || res.destroyed) return;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': options.requestId,
  });
  let deltasSent = 0;
  let stall = options.stall;
  for (const event of events) {
    if (stall !== undefined && deltasSent >= stall.afterDeltas && (event.event === 'content_block_delta' || event.event === 'message_delta')) {
      // The connection stays open and silent, as a hung upstream looks to the client.
      if (!(await silence(stall.forMs, signal))) return;
      stall = undefined;
    }
    if (event.event === 'content_block_delta') {
      if (deltasSent > 0 && !(await delay(options.chunkDelayMs, signal))) return;
      deltasSent += 1;
    }
    if (signal.aborted || res.destroyed) return;
    if (!res.write(sseFrame(event)) && !(await drained(res, signal))) return;
  }
  // end() on the socket (not destroy) flushes what was written first, so the client really sees the
  // partial reply before the connection drops.
  if (options.ending === 'cut') res.socket?.end();
  else res.end();
}

/** Sends nothing for `ms` (undefined: until `signal` aborts); false if the client went away meanwhile. */
export function silence(ms: number | undefined, signal: AbortSignal): Promise<boolean> {
  if (ms !== undefined) return delay(ms, signal);
  return new Promise((resolve) => {
    if (signal.aborted) resolve(false);
    else signal.addEventListener('abort', () => resolve(false), { once: true });
  });
}

/** Waits for the socket to take more data; false if the client went away meanwhile. */
async function drained(res: ServerResponse, signal: AbortSignal): Promise<boolean> {
  try {
    await once(res, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}
