import { request } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RawRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Send no Host header at all (an HTTP/1.0-style request). */
  readonly omitHost?: boolean;
  /** Resolve at the headers of an SSE response and hang up, rather than wait for a stream that may stay open. */
  readonly sseHeadersOnly?: boolean;
}

/**
 * One HTTP request with full control of the headers (fetch forbids setting Host), as an attacker or an odd
 * client would send it.
 */
export function rawRequest(baseUrl: string, path: string, init: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const base = new URL(baseUrl);
    // The path goes on the wire as given (`//mcp`, `%2F..`), not normalised by URL parsing. One connection per
    // request (no agent): a refused request whose body was never read can't poison the next one on a kept-alive socket.
    const options = { hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, setHost: !init.omitHost, agent: false };
    const req = request(options, (res) => {
      if (init.sseHeadersOnly && String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', json: <T>() => ({}) as T });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** The JSON-RPC initialize a 2025-era client sends first. */
export function initializeBody(id: number | string = 1): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-test', version: '1' } },
  });
}

/** Headers a Streamable HTTP POST needs. */
export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } as const;

/** The first JSON-RPC message in a response body that may be plain JSON or an SSE stream. */
export function firstRpcMessage(text: string): Record<string, unknown> {
  const data = text.includes('data:')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .find((line) => line.length > 0)
    : text;
  return JSON.parse(data ?? '{}') as Record<string, unknown>;
}

/** Opens a 2025-era session with a raw initialize; returns its session id. */
export async function openRawSession(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(baseUrl, '/mcp', { method: 'POST', headers: { ...MCP_POST_HEADERS, ...headers }, body: initializeBody() });
  const id = res.headers['mcp-session-id'];
  if (res.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: ${res.status} ${res.text}`);
  return id;
}

/** The SDK's real client over Streamable HTTP: 'legacy' is the 2025 handshake (sessions), 'auto' negotiates 2026-07-28. */
export async function connectClient(baseUrl: string, options: { token?: string; mode?: 'legacy' | 'auto'; name?: string } = {}): Promise<Client> {
  const client = new Client({ name: options.name ?? 'test-client', version: '1.0.0' }, options.mode === 'auto' ? { versionNegotiation: { mode: 'auto' } } : {});
  const token = options.token;
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), token === undefined ? {} : { authProvider: { token: async () => token } }),
  );
  return client;
}
