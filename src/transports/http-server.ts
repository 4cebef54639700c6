import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { Logger } from '../observability/logger.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { MAX_BODY_BYTES, sendError } from './http-json.js';
import { createMcpServer } from './mcp-server.js';
import { handleRest } from './rest-routes.js';

export interface HttpServerOptions {
  readonly orchestrator: Orchestrator;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  readonly apiConfigured: boolean;
}

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:8001 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** The request handler: `/mcp` (Streamable HTTP, both protocol eras) and the REST routes. */
export function createRequestHandler(options: Omit<HttpServerOptions, 'port'>): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const mcp = createMcpHandler(() => createMcpServer(options.orchestrator), {
    maxRequestBodySize: MAX_BODY_BYTES,
    onerror: (error) => options.logger.debug({ err: error.message }, 'mcp request error'),
  });
  const mcpNode = toNodeHandler(mcp, { maxRequestBodySize: MAX_BODY_BYTES });
  // Bound to loopback, only loopback Host and Origin headers are accepted: a web page can't reach us through
  // DNS rebinding, and a browser on another origin can't drive the tools.
  const guarded = LOOPBACK.has(options.host);
  const validateHost = localhostHostValidation();
  const validateOrigin = localhostOriginValidation();
  const rest = { orchestrator: options.orchestrator, startedAt: Date.now(), apiConfigured: options.apiConfigured };

  return async (req, res) => {
    try {
      if (guarded && (!validateHost(req, res) || !validateOrigin(req, res))) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/mcp' || url.pathname === '/mcp/') {
        // The SDK types its request loosely; a node IncomingMessage is exactly what it reads.
        await mcpNode(req as Parameters<typeof mcpNode>[0], res);
        return;
      }
      if (await handleRest(rest, req, res, url)) return;
      sendError(res, 404, 'not_found', `No route ${req.method ?? 'GET'} ${url.pathname}. Routes: /mcp, /health, /tools, /tools/execute, /instances, /instances/{id}.`);
    } catch (error) {
      options.logger.error({ err: (error as Error).message }, 'http handler failed');
      if (!res.headersSent) sendError(res, 500, 'internal', 'Internal error.');
      else res.end();
    }
  };
}

/** Listens on host:port. `localhost` listens on 127.0.0.1 and, where the machine has it, ::1. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const handler = createRequestHandler(options);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => void handler(req, res);
  const primaryHost = options.host === 'localhost' ? '127.0.0.1' : options.host;
  const primary = await listen(createServer(onRequest), primaryHost, options.port);
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

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
