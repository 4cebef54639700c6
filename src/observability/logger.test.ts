import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bareEnv, startBin } from '../test-support/bin.js';
import { createLogger } from './logger.js';
import { formatLogLine } from './pretty-log.js';

/** A destination that keeps what is written; `isTTY` says whether it poses as a terminal. */
function sink(isTTY: boolean): Writable & { text(): string; isTTY: boolean } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { text: () => text, isTTY });
}

const SECRET = 'sk-ant-very-secret-value';

function logSecrets(format: 'auto' | 'pretty' | 'json', isTTY: boolean): string {
  const out = sink(isTTY);
  const logger = createLogger('info', out, { format, color: false });
  logger.info({ url: 'http://127.0.0.1:8001', mcp: 'http://127.0.0.1:8001/mcp', apiKey: SECRET, headers: { authorization: `Bearer ${SECRET}` } }, 'claude-orchestrator listening');
  return out.text();
}

describe('log format', () => {
  it('auto: readable lines on a terminal, JSON lines otherwise; both redact secrets', () => {
    const pretty = logSecrets('auto', true);
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d INFO {2}claude-orchestrator listening {2}url=http:\/\/127\.0\.0\.1:8001 mcp=http:\/\/127\.0\.0\.1:8001\/mcp apiKey=\[redacted\] headers=\{"authorization":"\[redacted\]"\}\n$/);
    const json = logSecrets('auto', false);
    expect(JSON.parse(json)).toMatchObject({ level: 30, msg: 'claude-orchestrator listening', apiKey: '[redacted]', headers: { authorization: '[redacted]' } });
    for (const text of [pretty, json]) expect(text).not.toContain(SECRET);
  });

  it('pretty or json, when asked, whatever the destination', () => {
    expect(logSecrets('pretty', false)).toMatch(/^\d\d:\d\d:\d\d INFO /);
    expect(() => JSON.parse(logSecrets('json', true))).not.toThrow();
  });

  it('shows levels, quotes values that need it, and puts an error`s stack under an error line', () => {
    const time = new Date(2026, 10, 27, 7, 58, 1).getTime();
    expect(formatLogLine(JSON.stringify({ level: 40, time, service: 's', msg: 'slow', instance_id: 'inst_1', reason: 'two words', n: 3, ok: true }))).toBe(
      '07:58:01 WARN  slow  instance_id=inst_1 reason="two words" n=3 ok=true\n',
    );
    const error = formatLogLine(JSON.stringify({ level: 50, time, msg: 'failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' } }));
    expect(error).toBe('07:58:01 ERROR failed  err=boom\n    Error: boom\n    at f (x.js:1:1)\n');
    expect(formatLogLine('not json')).toBe('not json\n');
    expect(formatLogLine(JSON.stringify({ level: 30, time, msg: 'hi' }), true)).toContain('\x1b[32mINFO \x1b[0m');
  });

  it('never writes a control character from a record to the terminal: fields, message, keys and stacks show them escaped', () => {
    const time = new Date(2026, 10, 27, 7, 58, 1).getTime();
    const line = formatLogLine(
      JSON.stringify({
        level: 50,
        time,
        msg: 'spawned \x1b[2J',
        name: '\x1b]0;pwned\x07',
        csi: 'a\x9b31m',
        ['k\x1b']: 1,
        detail: { reply: '\x1b[31mred' },
        err: { message: 'bad \x1b[5m', stack: 'Error: bad \x1b[5m\n    at f (x.js:1:1)' },
      }),
    );
    expect(line).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(line).toBe(
      '07:58:01 ERROR spawned \\u001b[2J  name="\\u001b]0;pwned\\u0007" csi="a\\u009b31m" k\\u001b=1 detail={"reply":"\\u001b[31mred"} err="bad \\u001b[5m"\n' +
        '    Error: bad \\u001b[5m\n    at f (x.js:1:1)\n',
    );
    expect(formatLogLine('raw \x1b[2J line')).toBe('raw \\u001b[2J line\n');
  });

  it('the bin writes JSON when stderr is a pipe, and readable lines with LOG_FORMAT=pretty', async () => {
    const env = (extra: Record<string, string>) => bareEnv({ WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')), ...extra });
    for (const [extra, check] of [
      [{}, (line: string) => expect(JSON.parse(line)).toMatchObject({ msg: 'claude-orchestrator listening' })],
      [{ LOG_FORMAT: 'pretty' }, (line: string) => expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}claude-orchestrator listening {2}url=http:\/\/127\.0\.0\.1:\d+ mcp=/)],
    ] as const) {
      const bin = startBin(['--port', '0', '--host', '127.0.0.1'], env(extra));
      await bin.url;
      const line = bin.stderr().split('\n').find((l) => l.includes('claude-orchestrator listening')) ?? '';
      check(line);
      bin.child.kill('SIGTERM');
      expect(await bin.exited).toBe(0);
    }
  });
});
