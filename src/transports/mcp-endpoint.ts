import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest, type McpServer } from '@modelcontextprotocol/server';
import type { Principal } from './auth.js';
import { LegacySessions } from './legacy-sessions.js';
import type { ResourceSink } from './mcp-resources.js';

export interface McpEndpointOptions {
  /** The server for one 2026-era request (`modern`) or one 2025-era session (`legacy`). */
  readonly createServer: (era: 'modern' | 'legacy') => McpServer;
  /** Feeds resource changes to 2026-era `subscriptions/listen` streams (2025 sessions' servers push their own); returns its stop. */
  readonly watchResources?: (sink: ResourceSink) => () => void;
  readonly maxRequestBodySize: number;
  readonly sessionIdleMs: number;
  readonly maxSessions: number;
  readonly now: () => number;
  readonly onerror: (error: Error) => void;
}

export interface McpEndpoint {
  /** Serves one HTTP request to `/mcp` on behalf of an already authenticated principal. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void>;
  readonly sessions: LegacySessions;
  close(): Promise<void>;
}

/**
 * `/mcp`: 2026-07-28 traffic through the SDK's per-request handler (stateless by design, strict: no legacy
 * fallback), and 2025-era traffic to sessions (see legacy-sessions.ts). The SDK's own classifier decides
 * which is which, so the two can never disagree about a request.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const modern = createMcpHandler(() => options.createServer('modern'), {
    legacy: 'reject',
    maxRequestBodySize: options.maxRequestBodySize,
    onerror: options.onerror,
  });
  const sessions = new LegacySessions({
    createServer: () => options.createServer('legacy'),
    idleMs: options.sessionIdleMs,
    maxSessions: options.maxSessions,
    maxRequestBodySize: options.maxRequestBodySize,
    now: options.now,
    onerror: options.onerror,
  });
  const sweep = setInterval(
    () => void sessions.sweep().catch((error: unknown) => options.onerror(error instanceof Error ? error : new Error(String(error)))),
    Math.min(options.sessionIdleMs, 60_000),
  );
  sweep.unref();
  // The handler's bus reaches every open listen stream whatever request opened it: no server instance outlives its request.
  const stopWatching = options.watchResources?.({ updated: (uri) => modern.notify.resourceUpdated(uri), listChanged: () => modern.notify.resourcesChanged() });

  return {
    sessions,
    async handle(req, res, principal) {
      const sessionId = req.headers['mcp-session-id'];
      const release = sessions.track(typeof sessionId === 'string' ? sessionId : undefined, principal.id);
      res.once('close', release);
      // One adapter per request: the principal rides in its closure, never in headers or request fields.
      const node = toNodeHandler(
        {
          fetch: async (request) =>
            (await isLegacyRequest(request, undefined, { maxRequestBodySize: options.maxRequestBodySize }))
              ? sessions.handle(request, principal.id)
              : modern.fetch(request),
        },
        { maxRequestBodySize: options.maxRequestBodySize, onerror: options.onerror },
      );
      // The SDK types its request loosely; a node IncomingMessage is exactly what it reads.
      await node(req as Parameters<typeof node>[0], res);
    },
    async close() {
      clearInterval(sweep);
      stopWatching?.();
      await sessions.close();
      await modern.close();
    },
  };
}
