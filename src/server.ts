import type { Config } from './config/load-config.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createOrchestrator } from './library.js';
import type { Orchestrator } from './orchestrator/orchestrator.js';
import { startHttpServer } from './transports/http-server.js';
import { startStdio } from './transports/stdio.js';

export interface StartServerOptions {
  readonly config: Config;
  /** Serve MCP on stdio instead of HTTP (no port is opened). */
  readonly stdio?: boolean;
  readonly logger?: Logger;
}

export interface RunningServer {
  readonly orchestrator: Orchestrator;
  /** The HTTP base URL, when serving HTTP. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/** Wires config → orchestrator → transport. The CLI's `serve` is this plus signal handling. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const orchestrator = createOrchestrator({ config, env: {}, logger });
  if (!config.apiKey) logger.warn('ANTHROPIC_API_KEY is not set: the server runs, but spawn_claude and send_to_instance will answer with how to set it.');

  if (options.stdio) {
    const stdio = startStdio(orchestrator, logger);
    logger.info({ transport: 'stdio', workspaceDir: config.workspaceDir }, 'claude-orchestrator serving MCP on stdio');
    return {
      orchestrator,
      url: undefined,
      close: async () => {
        await stdio.close();
        await orchestrator.close();
      },
    };
  }
  const http = await startHttpServer({ orchestrator, logger, host: config.host, port: config.port, apiConfigured: Boolean(config.apiKey) });
  logger.info({ url: http.url, mcp: `${http.url}/mcp`, workspaceDir: config.workspaceDir }, 'claude-orchestrator listening');
  return {
    orchestrator,
    url: http.url,
    close: async () => {
      await http.close();
      await orchestrator.close();
    },
  };
}
