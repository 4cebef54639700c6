import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../observability/logger.js';
import { createMcpServer, type OrchestratorSource } from './mcp-server.js';

/** Serves MCP on this process's stdin/stdout. Nothing else may write to stdout. */
export function startStdio(orchestrator: OrchestratorSource, logger: Logger): StdioServerHandle {
  return serveStdio(() => createMcpServer(orchestrator), { onerror: (error) => logger.warn({ err: error.message }, 'stdio transport error') });
}
