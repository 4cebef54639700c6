/** Small formats for text people read: the CLI's tables and logs, readable log lines, conversation Markdown. */

/** Whitespace runs as one space, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Dollars with the precision small model calls need: $0, $0.0021, $12.40. Unknown (an unpriced model) is
 * `unknown`, never $0.
 */
export function usd(value: number | null, unknown = '?'): string {
  if (value === null) return unknown;
  if (value === 0) return '$0';
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`;
}

/** "1 file", "3 files"; `plural` for nouns that don't just take an s ("2 children"). */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** HH:MM:SS in local time, as a person reads a clock. */
export function clockTime(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** YYYY-MM-DD in local time. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
