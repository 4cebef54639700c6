import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Every event so far, in order (comments are not events). */
  readonly events: readonly SseEvent[];
  /** Comment lines so far (`: heartbeat`). */
  readonly comments: readonly string[];
  /** Resolves with the first event (so far or to come) that matches; rejects after `timeoutMs`. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when a comment line matching arrives. */
  waitForComment(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** A plain HTTP reader of a Server-Sent Events stream, as a browser's EventSource reads it. */
export function openSse(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const base = new URL(baseUrl);
    const req: ClientRequest = request({ hostname: base.hostname, port: base.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
        }
        for (const w of [...waiters]) w();
      });
      res.on('error', () => undefined);
      const wait = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
        new Promise((ok, fail) => {
          const check = () => {
            const found = find();
            if (found === undefined) return;
            waiters.delete(check);
            clearTimeout(timer);
            ok(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`no ${what} within ${timeoutMs} ms; events: ${events.map((e) => e.event).join(', ')}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        waitFor: (match, timeoutMs = 30_000) => wait(() => events.find(match), timeoutMs, 'matching event'),
        waitForComment: (match, timeoutMs = 30_000) => wait(() => comments.find(match), timeoutMs, 'matching comment'),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
