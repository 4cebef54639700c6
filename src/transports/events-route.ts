import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainEvent, EventBus } from '../orchestrator/events.js';
import { oneLine } from '../text/human-format.js';
import { sendError } from './http-json.js';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and the browser from closing a quiet stream. */
  readonly heartbeatMs?: number;
  /** Streams open at once; more get 503 (each holds a socket and a listener). */
  readonly maxStreams?: number;
  /** A client this far behind (bytes buffered) is cut off rather than buffered without bound; it reconnects. */
  readonly maxBufferedBytes?: number;
}

export interface EventStreams {
  /** Answers `GET /events[?instance=<id>]`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void;
  /** Streams open now. */
  readonly open: number;
  /** Ends every stream (server shutdown). */
  close(): void;
}

// 15 s: well under the 30–60 s idle timeouts of common proxies and load balancers.
const HEARTBEAT_MS = 15_000;
// A dashboard tab holds one stream; 64 leaves room for many viewers without letting a loop exhaust sockets.
const MAX_STREAMS = 64;
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The domain event stream as Server-Sent Events: `event: <type>` and the event as JSON `data`, after commit,
 * in order. `?instance=<id>` keeps only that instance's events. Each stream is one listener on the bus,
 * removed when the client goes away.
 */
export function createEventStreams(bus: EventBus, options: EventStreamOptions = {}): EventStreams {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxStreams = options.maxStreams ?? MAX_STREAMS;
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const streams = new Set<ServerResponse>();

  return {
    get open() {
      return streams.size;
    },
    handle(req, res, url) {
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET');
        sendError(res, 405, 'method_not_allowed', 'Use GET on /events (an EventSource).');
        return;
      }
      if (streams.size >= maxStreams) {
        sendError(res, 503, 'unavailable', `Too many event streams open (${maxStreams}); close a dashboard tab and retry.`, { 'retry-after': '5' });
        return;
      }
      const instance = url.searchParams.get('instance');
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      // The retry hint, and a first line so the client knows the stream is open.
      res.write(`retry: 2000\n: connected${instance ? ` (instance ${oneLine(instance, 200)})` : ''}\n\n`);
      streams.add(res);
      const send = (event: DomainEvent) => {
        if (instance !== null && (!('instanceId' in event) || event.instanceId !== instance)) return;
        if (res.writableLength > maxBuffered) {
          res.destroy();
          return;
        }
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const unsubscribe = bus.subscribe(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const stop = () => {
        unsubscribe();
        clearInterval(heartbeat);
        streams.delete(res);
      };
      res.once('close', stop);
      req.once('close', stop);
    },
    close() {
      for (const res of [...streams]) res.end();
    },
  };
}

