import { BACKENDS, backendStatus } from './backends/registry.js';
import { storePath, type Config } from './config/load-config.js';
import { toOrchestratorError } from './domain/errors.js';
import { createLogger, type Logger } from './observability/logger.js';
import { startTracing, type TracingHandle } from './observability/start-tracing.js';
import { ensureSafeWorkspaceBase } from './security/workspace-base.js';
import { redactStoreUrl } from './store/store-location.js';
import type { Orchestrator } from './orchestrator/orchestrator.js';
import { assertExposureAllowed } from './transports/exposure.js';
import { listenError } from './transports/listen-error.js';

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
  /** Stops serving; running turns get `graceMs` to finish. Instances stay in the store. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * The orchestrator of a server, with its first health check started right away rather than at the first tick.
 * Every operation waits for start-up recovery anyway; when a killed server left agents running, they end
 * before we serve, otherwise serving need not wait for the check.
 */
async function open(config: Config, logger: Logger): Promise<{ orchestrator: Orchestrator; firstCheck: Promise<unknown> }> {
  const { createOrchestrator } = await import('./library.js');
  const orchestrator = createOrchestrator({ config, env: {}, logger });
  const firstCheck = orchestrator.healthCheck().catch((error: unknown) => logger.error({ err: toOrchestratorError(error).message }, 'start-up health check failed'));
  if (BACKENDS.some((b) => b.hasLeftovers?.(config))) await firstCheck;
  return { orchestrator, firstCheck };
}

/** Wires config → orchestrator → transport. The CLI's `serve` is this plus signal handling. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel, 2, { format: config.logFormat });
  // Before anything is opened: an exposed bind without a token must not get as far as a store or a port.
  if (!options.stdio) assertExposureAllowed(config.host, config.tokens, config.allowedHosts);
  // The store lives under WORKSPACE_DIR by default: refuse a squatted or shared directory before opening it.
  if (config.dbPath === undefined) await ensureSafeWorkspaceBase(config.workspaceDir);
  if (!config.apiKey) logger.warn('ANTHROPIC_API_KEY is not set: the server runs, but spawn_claude and send_to_instance will answer with how to set it.');
  // Traces only when the standard OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set: only then is the OpenTelemetry SDK loaded.
  const tracing = await startTracing(process.env, logger);
  try {
    return await serve(options, logger, tracing);
  } catch (error) {
    // A store that would not open, a busy port: the global TracerProvider must not outlive a server that never ran.
    await tracing?.shutdown();
    throw error;
  }
}

/** The transport of startServer, once tracing is set up; a failure leaves shutting tracing down to the caller. */
async function serve(options: StartServerOptions, logger: Logger, tracing: TracingHandle | undefined): Promise<RunningServer> {
  const { config } = options;
  if (options.stdio) {
    // Each transport loads only itself: stdio never loads the HTTP stack, nor HTTP the stdio one. The client's
    // handshake needs no store, so it is answered first; every tool call waits for the orchestrator.
    const { startStdio } = await import('./transports/stdio.js');
    let opened!: (orchestrator: Orchestrator) => void;
    const ready = new Promise<Orchestrator>((resolve) => (opened = resolve));
    const stdio = startStdio(() => ready, logger);
    await new Promise((resolve) => setImmediate(resolve));
    const { orchestrator, firstCheck } = await open(config, logger);
    opened(orchestrator);
    logger.info({ transport: 'stdio', workspaceDir: config.workspaceDir }, 'claude-orchestrator serving MCP on stdio');
    return {
      orchestrator,
      url: undefined,
      close: async (options = {}) => {
        await firstCheck;
        await stdio.close();
        await orchestrator.close(options);
        await tracing?.shutdown();
      },
    };
  }
  const { orchestrator, firstCheck } = await open(config, logger);
  const security = {
    tokens: config.tokens,
    allowedHosts: config.allowedHosts,
    maxRequestBytes: config.maxRequestBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    sessionIdleMinutes: config.sessionIdleMinutes,
  };
  let http;
  try {
    const { startHttpServer } = await import('./transports/http-server.js');
    http = await startHttpServer({ orchestrator, logger, host: config.host, port: config.port, backends: backendStatus(config), security });
  } catch (error) {
    // Port in use, say: release the store and timers before reporting it, as one line that says what to do.
    await firstCheck;
    await orchestrator.close();
    throw listenError(error, config.host, config.port) ?? error;
  }
  // Other nodes sharing the store see where this one serves (NODE_ADDRESS, else the URL it listens on).
  await orchestrator.announceAddress(http.url).catch((error: unknown) => logger.warn({ err: toOrchestratorError(error).message }, "could not record this node's address"));
  logger.info({ url: http.url, mcp: `${http.url}/mcp`, workspaceDir: config.workspaceDir, store: redactStoreUrl(storePath(config)) }, 'claude-orchestrator listening');
  return {
    orchestrator,
    url: http.url,
    // Turns finish (or are cancelled) before connections close, so their callers still get the answer.
    close: async (options = {}) => {
      await firstCheck;
      await orchestrator.close(options);
      await http.close();
      // Last, so the spans of the turns that finished during the close are exported too.
      await tracing?.shutdown();
    },
  };
}
