import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallProxy {
  /** Where the orchestrator sends its model calls (ANTHROPIC_BASE_URL). */
  readonly url: string;
  /** Resolves once a streamed answer to a request holding `marker` is being held mid-stream. */
  readonly holding: Promise<void>;
  /** Lets every held answer go on to its end (and later ones pass untouched). */
  release(): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the simulator that holds a streamed answer in the middle: for a request whose body
 * holds `marker`, it passes the first `deltasBefore` content deltas of the answer and keeps the rest until
 * `release()`. So a test sees a turn's partial text while the turn certainly has not settled, with no timing.
 * Every other request passes through unchanged.
 */
export async function startStallProxy(target: string, marker: string, deltasBefore = 3): Promise<StallProxy> {
  const base = new URL(target);
  let released = false;
  const waiting = new Set<() => void>();
  let onHolding!: () => void;
  const holding = new Promise<void>((resolve) => (onHolding = resolve));

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hold = !released && body.includes(marker);
      const upstream = request({ hostname: base.hostname, port: base.port, path: req.url, method: req.method, headers: { ...req.headers, host: base.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (hold) holdMidStream(answer, res);
        else answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });

  /** Passes whole SSE events until `deltasBefore` content deltas went by, then waits for release. */
  function holdMidStream(answer: IncomingMessage, res: ServerResponse): void {
    let buffer = '';
    let deltas = 0;
    let held = false;
    let ended = false;
    const releaseHeld = () => {
      held = false;
      res.write(buffer);
      buffer = '';
      if (ended) res.end();
    };
    answer.setEncoding('utf8');
    answer.on('data', (text: string) => {
      buffer += text;
      if (held) return;
      let end: number;
      while (!held && (end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        res.write(event);
        if (event.includes('content_block_delta') && ++deltas >= deltasBefore && !released) {
          held = true;
          waiting.add(releaseHeld);
          onHolding();
        }
      }
    });
    answer.on('end', () => {
      ended = true;
      if (!held) {
        res.write(buffer);
        res.end();
      }
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding,
    release() {
      released = true;
      for (const go of waiting) go();
      waiting.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
