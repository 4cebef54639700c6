import { describe, expect, it } from 'vitest';
import { formatLogLine, prettyDestination } from './pretty-log.js';

const at = new Date(2026, 10, 27, 7, 58, 1).getTime();

describe('readable log lines, every kind of field', () => {
  it('passes through a line that is not a record, escaped', () => {
    expect(formatLogLine('plain text\x1b[31m\n')).toBe('plain text\\u001b[31m\n');
    expect(formatLogLine('[1,2]')).toBe('[1,2]\n');
    expect(formatLogLine('null')).toBe('null\n');
  });

  it('shows an unknown level as it is, and no time as dashes', () => {
    expect(formatLogLine(JSON.stringify({ level: 'custom', msg: 'hi' }))).toBe('--:--:-- CUSTOM hi\n');
    expect(formatLogLine(JSON.stringify({ msg: 7 }))).toBe('--:--:-- ?     \n');
  });

  it('writes each kind of value readably: bare words, quoted text, numbers, booleans, null, objects', () => {
    const line = formatLogLine(JSON.stringify({ level: 30, time: at, msg: 'go', word: 'plain', text: 'two words', n: 3, ok: true, none: null, obj: { a: 1 }, pid: 1 }));
    expect(line).toBe('07:58:01 INFO  go  word=plain text="two words" n=3 ok=true none=null obj={"a":1}\n');
  });

  it("adds an error's stack, indented, only from ERROR up; an err that is not an error is a field", () => {
    const err = { message: 'boom', stack: 'Error: boom\n   at f (x.js:1)' };
    expect(formatLogLine(JSON.stringify({ level: 50, time: at, msg: 'failed', err }))).toBe('07:58:01 ERROR failed  err=boom\n    Error: boom\n    at f (x.js:1)\n');
    expect(formatLogLine(JSON.stringify({ level: 40, time: at, msg: 'odd', err }))).toBe('07:58:01 WARN  odd  err=boom\n');
    expect(formatLogLine(JSON.stringify({ level: 30, time: at, msg: 'x', err: 'just text' }))).toBe('07:58:01 INFO  x  err="just text"\n');
  });

  it('colours the level and dims the time and keys when asked', () => {
    const line = formatLogLine(JSON.stringify({ level: 60, time: at, msg: 'down', k: 'v' }), true);
    expect(line).toBe('\x1b[2m07:58:01\x1b[0m \x1b[41;97mFATAL\x1b[0m down  \x1b[2mk=\x1b[0mv\n');
    // An unknown level has no colour to paint.
    expect(formatLogLine(JSON.stringify({ level: 99, time: at, msg: 'x' }), true)).toBe('\x1b[2m07:58:01\x1b[0m 99    x\n');
  });

  it('writes a batched chunk line by line, skipping empty ones', () => {
    const written: string[] = [];
    const dest = prettyDestination({ write: (s: string) => written.push(s) }, false);
    dest.write(`${JSON.stringify({ level: 20, time: at, msg: 'a' })}\n\n${JSON.stringify({ level: 10, time: at, msg: 'b' })}\n`);
    expect(written).toEqual(['07:58:01 DEBUG a\n', '07:58:01 TRACE b\n']);
  });
});
