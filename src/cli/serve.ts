import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { startServer } from '../server.js';
import type { ParsedArgs } from './parse-args.js';

/** `serve`: start the server and stop it cleanly on SIGINT/SIGTERM (instances are kept, not terminated). */
export async function runServe(args: ParsedArgs): Promise<void> {
  const config = loadConfig(process.env, args.settings);
  const logger = createLogger(config.logLevel, 2, { format: config.logFormat });
  const started = startServer({ config, stdio: args.stdio, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void started.then(
      (server) =>
        server.close({ graceMs: config.shutdownGraceSeconds * 1000 }).then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: (error as Error).message }, 'shutdown failed');
            process.exit(1);
          },
        ),
      // Start-up failed: the caller reports why.
      () => undefined,
    );
  };
  // Before start-up finishes: a signal right after "listening" still shuts down cleanly.
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (args.stdio) process.stdin.once('end', () => stop('stdin closed'));
  await started;
}
