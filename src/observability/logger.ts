import { isatty } from 'node:tty';
import { pino, type Logger } from 'pino';
import { prettyDestination } from './pretty-log.js';

export type { Logger };

export interface LoggerOptions {
  /** auto (the default): readable lines when the destination is a terminal, JSON lines otherwise. */
  readonly format?: 'auto' | 'pretty' | 'json';
  /** Colour readable lines; default: when the destination is a terminal and NO_COLOR is not set. */
  readonly color?: boolean;
}

/**
 * Structured logs to stderr (stdout belongs to JSON-RPC in stdio mode): JSON lines for collectors, readable lines
 * for a person. Keys that could hold a secret are redacted wherever they appear, in both formats (the readable
 * lines are made from the redacted JSON), so an API key can't reach a log even by accident.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream | number = 2, options: LoggerOptions = {}): Logger {
  const json = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  const terminal = typeof destination === 'number' ? isatty(destination) : (destination as { isTTY?: boolean }).isTTY === true;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && terminal);
  const stream = pretty ? prettyDestination(json, options.color ?? (terminal && !process.env.NO_COLOR)) : json;
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
