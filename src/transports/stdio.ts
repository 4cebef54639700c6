import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../observability/logger.js';
import { createMcpServer, type OrchestratorSource } from './mcp-server.js';

/**
 * Serves MCP on this process's stdin/stdout. Nothing else may write to stdout. A 2025-era client gets
 * resource updates for what it `resources/subscribe`d to; on the 2026-07-28 era the SDK's entry keeps the
 * `subscriptions/listen` filters and drops what no subscription asked for, so the server offers every update.
 */
export function startStdio(orchestrator: OrchestratorSource, logger: Logger): StdioServerHandle {
  return serveStdio((ctx) => createMcpServer(orchestrator, { resourcePush: ctx.era === 'modern' ? 'all' : 'subscribed' }), {
    onerror: (error) => logger.warn({ err: error.message }, 'stdio transport error'),
  });
}
