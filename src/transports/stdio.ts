import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../observability/logger.js';
import { createMcpServer, type OrchestratorSource } from './mcp-server.js';
import { StdioLineGuard } from './stdio-line-guard.js';

/**
 * Serves MCP on this process's stdin/stdout. Nothing else may write to stdout. A 2025-era client gets
 * resource updates for what it `resources/subscribe`d to; on the 2026-07-28 era the SDK's entry keeps the
 * `subscriptions/listen` filters and drops what no subscription asked for, so the server offers every update.
 *
 * Every line of stdin passes a guard first: a line that is not JSON is answered with -32700, a batch or a
 * value that is not a JSON-RPC message with -32600 (with the request's id when it has one), a line over the
 * SDK's 10 MB message limit with -32600; serving goes on either way.
 */
export function startStdio(orchestrator: OrchestratorSource, logger: Logger): StdioServerHandle {
  const guard = new StdioLineGuard({
    maxLineBytes: STDIO_DEFAULT_MAX_BUFFER_SIZE,
    onRefused: (replies, verdict) => {
      logger.warn({ verdict, ids: replies.map((r) => r.id) }, 'answered a stdin line that is not a JSON-RPC message we serve');
      // The same stream the SDK writes to, in order: each answer is one whole line.
      for (const reply of replies) process.stdout.write(`${JSON.stringify(reply)}\n`);
    },
  });
  process.stdin.pipe(guard);
  // The guard passes one whole line at a time, so the SDK's buffer only needs room for one message and its newline.
  const transport = new StdioServerTransport(guard, process.stdout, { maxBufferSize: STDIO_DEFAULT_MAX_BUFFER_SIZE + 2 });
  const served = serveStdio((ctx) => createMcpServer(orchestrator, { resourcePush: ctx.era === 'modern' ? 'all' : 'subscribed' }), {
    transport,
    onerror: (error) => logger.warn({ err: error.message }, 'stdio transport error'),
  });
  return {
    close: async () => {
      await served.close();
      process.stdin.unpipe(guard);
      process.stdin.pause();
    },
  };
}
