import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/server';
import { DEFAULTS } from '../config/defaults.js';
import type { Logger } from '../observability/logger.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { createDashboard } from '../dashboard/dashboard-routes.js';
import { createBearerAuth } from './auth.js';
import { createEventStreams } from './events-route.js';
import { allowedHostnames, assertExposureAllowed } from './exposure.js';
import { HttpError, sendError } from './http-json.js';
import { createMcpEndpoint } from './mcp-endpoint.js';
import { watchConversations } from './mcp-resources.js';
import { createMcpServer } from './mcp-server.js';
import { createMetricsRoute } from './metrics-route.js';
import { createTokenBucketLimiter } from './rate-limit.js';
import { admit } from './request-gate.js';
import { handleRest } from './rest-routes.js';

/** The HTTP protections; each defaults to DEFAULTS (see config/defaults.ts for why). */
export interface HttpSecurityOptions {
  /** Bearer tokens; without any, only loopback binds are allowed and no route needs one. */
  readonly tokens?: readonly string[] | undefined;
  /** Host names accepted in Host/Origin besides loopback and the bound address. */
  readonly allowedHosts?: readonly string[];
  readonly maxRequestBytes?: number;
  /** 0: off. */
  readonly rateLimitPerMinute?: number;
  readonly sessionIdleMinutes?: number;
  readonly maxSessions?: number;
}

export interface HttpServerOptions {
  readonly orchestrator: Orchestrator;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  /** Each backend kind and whether it is configured (shown on an authorised GET /health). */
  readonly backends: Readonly<Record<string, { readonly configured: boolean }>>;
  readonly security?: HttpSecurityOptions;
  /** The MCP server each session or request gets; default: the orchestrator's tools. */
  readonly createMcpServer?: () => McpServer;
  /** Injected for tests of rate limits and session expiry. */
  readonly now?: () => number;
}

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:8001 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface RequestHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** The request handler: the gate (Host/Origin, rate limit, token or dashboard session), then `/mcp`, the dashboard, `/events` and the REST routes. */
export function createRequestHandler(options: Omit<HttpServerOptions, 'port'>): RequestHandler {
  const security = options.security ?? {};
  const now = options.now ?? Date.now;
  const maxRequestBytes = security.maxRequestBytes ?? DEFAULTS.maxRequestBytes;
  const gate = {
    auth: createBearerAuth(security.tokens, now),
    limiter: createTokenBucketLimiter({ perMinute: security.rateLimitPerMinute ?? DEFAULTS.rateLimitPerMinute, now }),
    allowedHosts: allowedHostnames(options.host, security.allowedHosts ?? []),
    logger: options.logger,
  };
  const mcp = createMcpEndpoint({
    createServer: options.createMcpServer ?? ((era) => createMcpServer(options.orchestrator, { resourcePush: era === 'modern' ? 'none' : 'subscribed' })),
    watchResources: (sink) => watchConversations(options.orchestrator.events, sink),
    maxRequestBodySize: maxRequestBytes,
    sessionIdleMs: (security.sessionIdleMinutes ?? DEFAULTS.sessionIdleMinutes) * 60_000,
    maxSessions: security.maxSessions ?? DEFAULTS.maxHttpSessions,
    now,
    onerror: (error) => options.logger.debug({ err: error.message }, 'mcp request error'),
  });
  const rest = { orchestrator: options.orchestrator, startedAt: now(), backends: options.backends, maxRequestBytes };
  const dashboard = createDashboard(gate.auth);
  const events = createEventStreams(options.orchestrator.events);
  const metrics = createMetricsRoute(options.orchestrator);

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = requestUrl(req.url);
      if (!url) {
        sendError(res, 400, 'invalid_input', 'Malformed request target.');
        return;
      }
      const admitted = admit(gate, req, res, url.pathname);
      if (!admitted) return;
      if (url.pathname === '/mcp' || url.pathname === '/mcp/') {
        await mcp.handle(req, res, admitted.principal);
        return;
      }
      if (await metrics.handle(req, res, url)) return;
      const signedIn = !gate.auth.required || admitted.principal.authenticated;
      if (await dashboard.handle(req, res, url, signedIn)) return;
      if (url.pathname === '/events') {
        events.handle(req, res, url);
        return;
      }
      const access = { fullHealth: signedIn };
      if (await handleRest(rest, req, res, url, access)) return;
      sendError(res, 404, 'not_found', `No route ${req.method ?? 'GET'} ${url.pathname}. Routes: / (dashboard), /mcp, /health, /metrics, /events, /tools, /tools/execute, /instances, /instances/{id}, /instances/{id}/output, /tasks, /tasks/{id}, /tasks/{id}/cancel.`);
    } catch (error) {
      if (error instanceof HttpError && !res.headersSent) {
        sendError(res, error.status, error.httpCode, error.message);
        return;
      }
      options.logger.error({ err: (error as Error).message }, 'http handler failed');
      if (!res.headersSent) sendError(res, 500, 'internal', 'Internal error.');
      else res.end();
    }
  };
  return Object.assign(handler, {
    close: () => {
      metrics.close();
      events.close();
      return mcp.close();
    },
  });
}

/**
 * Listens on host:port. `localhost` listens on 127.0.0.1 and, where the machine has it, ::1. Refuses any
 * other address unless a token is configured (see exposure.ts).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  assertExposureAllowed(options.host, options.security?.tokens, options.security?.allowedHosts);
  const handler = createRequestHandler(options);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => void handler(req, res);
  const primaryHost = options.host === 'localhost' ? '127.0.0.1' : options.host;
  let primary: Server;
  try {
    primary = await listen(createServer(onRequest), primaryHost, options.port);
  } catch (error) {
    await handler.close();
    throw error;
  }
  const port = (primary.address() as AddressInfo).port;
  const servers: Server[] = [primary];
  if (options.host === 'localhost') {
    try {
      servers.push(await listen(createServer(onRequest), '::1', port));
    } catch (error) {
      options.logger.debug({ err: (error as Error).message }, 'no IPv6 loopback; serving 127.0.0.1 only');
    }
  }
  const shownHost = primaryHost.includes(':') ? `[${primaryHost}]` : primaryHost;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: async () => {
      await handler.close();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/**
 * The request target as a URL, taken literally: `//evil/instances` is the path `//evil/instances` (no route),
 * not a protocol-relative URL whose path would be `/instances`.
 */
function requestUrl(target: string | undefined): URL | undefined {
  const raw = target ?? '/';
  return URL.canParse(raw, 'http://localhost') ? (raw.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw, 'http://localhost')) : undefined;
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
