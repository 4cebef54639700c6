import { constants } from 'node:os';
import { DEFAULTS } from '../config/defaults.js';
import { loadConfig } from '../config/load-config.js';
import { errorMessage } from '../domain/errors.js';
import { createLogger } from '../observability/logger.js';
import { startServer } from '../server.js';
import type { ParsedArgs } from './parse-args.js';

/** The exit status of a process ended by `signal`, as shells report it (128 + its number: SIGINT 130, SIGTERM 143). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/**
 * `serve`: start the server and stop it on SIGINT/SIGTERM. The first signal (or stdin closing, on stdio)
 * stops cleanly: no new work, running turns get SHUTDOWN_GRACE_SECONDS, agents are stopped, exit 0;
 * instances are kept, not terminated. A second signal stops waiting: every Claude Code agent this server
 * started is ended with everything it runs (their process groups, SIGKILL after a moment), then the
 * process exits 128+signal (130 for SIGINT). A third exits at once.
 */
export async function runServe(args: ParsedArgs): Promise<void> {
  const config = loadConfig(process.env, args.settings);
  const logger = createLogger(config.logLevel, 2, { format: config.logFormat });
  const started = startServer({ config, stdio: args.stdio, logger });
  let stopping = false;
  let forcing = false;
  const stop = (reason: string) => {
    stopping = true;
    logger.info({ signal: reason }, 'shutting down');
    // Once a second signal forces the stop, the exit is its own: ending the agents ends the turns the clean
    // stop was waiting for, and it must not exit 0 before every agent is gone.
    void started.then(
      (server) =>
        server.close({ graceMs: config.shutdownGraceSeconds * 1000 }).then(
          () => forcing || process.exit(0),
          (error: unknown) => {
            logger.error({ err: (error as Error).message }, 'shutdown failed');
            if (!forcing) process.exit(1);
          },
        ),
      // Start-up failed: the caller reports why.
      () => undefined,
    );
  };
  // Not waiting for the clean stop: the agents are ended from their records, whatever state the server is in.
  // Running turns are left as after a crash: the next server marks them failed ("Interrupted") and releases their holds.
  const force = async (signal: NodeJS.Signals) => {
    forcing = true;
    logger.warn({ signal }, 'second signal: ending this server’s agents now, then exiting without waiting for running turns');
    try {
      const { endOwnAgents } = await import('../backends/claude-code/end-own-agents.js');
      const ended = await endOwnAgents(config.workspaceDir, DEFAULTS.forcedShutdownKillGraceMs, logger);
      logger.info({ agents: ended }, 'agents ended');
    } catch (error) {
      logger.error({ err: errorMessage(error) }, 'could not end every agent; the next server to start on this WORKSPACE_DIR ends what is left');
    }
    process.exit(signalExitCode(signal));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) stop(signal);
    else if (!forcing) void force(signal);
    else process.exit(signalExitCode(signal));
  };
  // Before start-up finishes: a signal right after "listening" still shuts down cleanly.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (args.stdio) process.stdin.once('end', () => !stopping && stop('stdin closed'));
  await started;
}
