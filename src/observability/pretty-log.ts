/**
 * Readable log lines for a person at a terminal, from pino's JSON lines (already redacted):
 *
 *   07:58:01 INFO  claude-orchestrator listening  url=http://127.0.0.1:8001 mcp=http://127.0.0.1:8001/mcp
 *
 * Hand-written rather than pino-pretty: one small function, no dependency, nothing to load in stdio mode.
 * Fields may hold text from outside (a name, a model's error): control characters are shown escaped, never written
 * raw to the terminal.
 */
import { clockTime } from '../text/human-format.js';
import { escapeControls, hasControls, quoteForTerminal } from '../text/terminal-safe.js';

const LEVELS: Record<number, { label: string; color: string }> = {
  10: { label: 'TRACE', color: '\x1b[90m' },
  20: { label: 'DEBUG', color: '\x1b[90m' },
  30: { label: 'INFO', color: '\x1b[32m' },
  40: { label: 'WARN', color: '\x1b[33m' },
  50: { label: 'ERROR', color: '\x1b[31m' },
  60: { label: 'FATAL', color: '\x1b[41;97m' },
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Fields every line has that a person doesn't need to read on each one. */
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** One pino JSON line as one readable line (plus an error's stack, indented). Anything unparseable passes through. */
export function formatLogLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return asItCame(line);
    record = parsed as Record<string, unknown>;
  } catch {
    // Not a JSON record (nothing pino writes): show it as it came rather than lose it.
    return asItCame(line);
  }
  const level = LEVELS[Number(record.level)] ?? { label: escapeControls(String(record.level ?? '?').toUpperCase()), color: '' };
  const time = typeof record.time === 'number' ? clockTime(new Date(record.time)) : '--:--:--';
  const paint = (code: string, text: string) => (color && code ? `${code}${text}${RESET}` : text);
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === 'err' && isErrorRecord(value)) {
      fields.push(`${paint(DIM, 'err=')}${shown(value.message)}`);
      if (Number(record.level) >= 50 && typeof value.stack === 'string') stack = value.stack;
      continue;
    }
    fields.push(`${paint(DIM, `${escapeControls(key)}=`)}${shown(value)}`);
  }
  const message = typeof record.msg === 'string' ? escapeControls(record.msg) : '';
  let out = `${paint(DIM, time)} ${paint(level.color, level.label.padEnd(5))} ${message}`;
  if (fields.length > 0) out += `  ${fields.join(' ')}`;
  // A stack's lines are indented as they are, with any control character in them (a message's) escaped.
  if (stack !== undefined) out += `\n${stack.split('\n').map((l) => `    ${escapeControls(l.trim())}`).join('\n')}`;
  return `${out}\n`;
}

function isErrorRecord(value: unknown): value is { message: unknown; stack?: unknown } {
  return typeof value === 'object' && value !== null && 'message' in value;
}

/**
 * Bare when it reads unambiguously (no spaces, quotes, = or control characters), a JSON string otherwise; objects
 * as compact JSON. Control characters always come out escaped.
 */
function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) && !hasControls(value) ? value : quoteForTerminal(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return escapeControls(JSON.stringify(value) ?? String(value));
}

/** A line that is not a log record, with its control characters escaped. */
function asItCame(line: string): string {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  return `${escapeControls(text)}\n`;
}

/** A pino destination that writes each line formatted to `out`. */
export function prettyDestination(out: { write(chunk: string): unknown }, color: boolean): { write(chunk: string): void } {
  return {
    write: (chunk: string) => {
      // pino writes one record per call; split anyway, so a batched write still reads line by line.
      for (const line of chunk.split('\n')) if (line.length > 0) out.write(formatLogLine(line, color));
    },
  };
}
