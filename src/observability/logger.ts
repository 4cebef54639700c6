import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs to stderr (stdout belongs to JSON-RPC in stdio mode). Keys that could hold a secret
 * are redacted wherever they appear, so an API key can't reach a log even by accident.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream | number = 2): Logger {
  const stream = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino(
    {
      level: level.toLowerCase(),
      base: { service: 'claude-orchestrator' },
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          'api_key',
          '*.api_key',
          'authorization',
          '*.authorization',
          'headers["x-api-key"]',
          '*.headers["x-api-key"]',
          // The orchestrator token: as a setting (config.tokens), a field, a request header, an env entry.
          'token',
          '*.token',
          'tokens',
          '*.tokens',
          'headers.authorization',
          '*.headers.authorization',
          'req.headers.authorization',
          'headers.cookie',
          '*.headers.cookie',
          'ANTHROPIC_API_KEY',
          '*.ANTHROPIC_API_KEY',
          'ORCHESTRATOR_TOKEN',
          '*.ORCHESTRATOR_TOKEN',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
}

/** A logger that writes nothing, for library users who don't want logs and for quiet tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
