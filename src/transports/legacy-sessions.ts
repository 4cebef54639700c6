import { randomBytes } from 'node:crypto';
import { isInitializeRequest, type McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

/**
 * Sessionful serving of 2025-era MCP over Streamable HTTP. A session lets the server send requests back to
 * the client during a tool call (elicitation, e.g. a permission ask), which that era can't do without one.
 *
 * - Session ids are 256 random bits (base64url): unguessable, and never derived from anything.
 * - A session belongs to the principal that opened it: another credential using its id gets the same 404 as
 *   an unknown id, so an id seen in a log or a proxy is useless without the token that made it.
 * - Unknown ids get 404 (the spec's signal to re-initialize); DELETE ends a session; a session idle for
 *   `idleMs` is closed; at `maxSessions` the least recently used idle session makes room.
 */
export interface LegacySessionOptions {
  readonly createServer: () => McpServer;
  readonly idleMs: number;
  readonly maxSessions: number;
  readonly maxRequestBodySize: number;
  readonly now: () => number;
  readonly onerror: (error: Error) => void;
}

interface SessionRecord {
  readonly id: string;
  readonly principal: string;
  readonly server: McpServer;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
  /** Requests (including open SSE streams) still running; a session with any is never idle. */
  inFlight: number;
}

export class LegacySessions {
  readonly #options: LegacySessionOptions;
  readonly #sessions = new Map<string, SessionRecord>();

  constructor(options: LegacySessionOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Serves one 2025-era request for `principal`. */
  async handle(request: Request, principal: string): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id === null) {
      if (request.method === 'POST' && (await isInitialize(request))) return this.#open(request, principal);
      return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required; send initialize first to open a session.');
    }
    const session = this.#sessions.get(id);
    if (!session || session.principal !== principal) return rpcError(404, -32001, 'Session not found');
    session.lastSeen = this.#options.now();
    return session.transport.handleRequest(request);
  }

  /**
   * Marks a request of session `id` as running until the returned function is called (when its response,
   * maybe a long SSE stream, has ended). Unknown ids, and sessions of another principal, are ignored.
   */
  track(id: string | undefined, principal: string): () => void {
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (!session || session.principal !== principal) return () => undefined;
    session.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      session.inFlight -= 1;
      session.lastSeen = this.#options.now();
    };
  }

  /** Closes sessions idle for longer than idleMs; returns how many. Called on a timer and by tests. */
  async sweep(): Promise<number> {
    const cutoff = this.#options.now() - this.#options.idleMs;
    const idle = [...this.#sessions.values()].filter((s) => s.inFlight === 0 && s.lastSeen < cutoff);
    await Promise.all(idle.map((s) => this.#close(s)));
    return idle.length;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => this.#close(s)));
  }

  async #open(request: Request, principal: string): Promise<Response> {
    if (this.#sessions.size >= this.#options.maxSessions && !(await this.#evictOne())) {
      return rpcError(503, -32000, `Too many open MCP sessions (${this.#options.maxSessions}), all busy; retry shortly.`, { 'retry-after': '5' });
    }
    const server = this.#options.createServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomBytes(32).toString('base64url'),
      maxRequestBodySize: this.#options.maxRequestBodySize,
      onsessioninitialized: (id) => {
        this.#sessions.set(id, { id, principal, server, transport, lastSeen: this.#options.now(), inFlight: 0 });
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
      },
    });
    // Set before connect: the SDK chains its own close handling after ours.
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    // An initialize the transport refused (bad headers, bad body) opened no session: nothing may linger.
    if (transport.sessionId === undefined) await server.close();
    return response;
  }

  /** Closes the least recently used session with nothing in flight; false when every session is busy. */
  async #evictOne(): Promise<boolean> {
    let oldest: SessionRecord | undefined;
    for (const s of this.#sessions.values()) if (s.inFlight === 0 && (!oldest || s.lastSeen < oldest.lastSeen)) oldest = s;
    if (!oldest) return false;
    await this.#close(oldest);
    return true;
  }

  async #close(session: SessionRecord): Promise<void> {
    this.#sessions.delete(session.id);
    try {
      await session.server.close();
    } catch (error) {
      this.#options.onerror(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

async function isInitialize(request: Request): Promise<boolean> {
  try {
    const body: unknown = await request.clone().json();
    return isInitializeRequest(body);
  } catch {
    // Not JSON: not an initialize. The caller answers 400; the body's own error is for the client to fix.
    return false;
  }
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}
