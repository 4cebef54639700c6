import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMetrics, type MetricsOptions, type MetricsSource } from '../observability/metrics.js';
import { sendError } from './http-json.js';

export interface MetricsRoute {
  /** Answers `/metrics` (true), or leaves any other path to the next route (false). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  close(): void;
}

/**
 * `GET /metrics`: the Prometheus text format, for a scraper holding the server's token (the request gate
 * has already checked Host/Origin, the rate limit and the token, as for every route). One registry per server.
 */
export function createMetricsRoute(source: MetricsSource, options: MetricsOptions = {}): MetricsRoute {
  const metrics = createMetrics(source, options);
  return {
    async handle(req, res, url) {
      if (url.pathname !== '/metrics') return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 405, 'method_not_allowed', `Use GET /metrics (not ${req.method ?? '?'}).`, { allow: 'GET, HEAD' });
        return true;
      }
      const text = await metrics.render();
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return true;
    },
    close: () => metrics.close(),
  };
}
