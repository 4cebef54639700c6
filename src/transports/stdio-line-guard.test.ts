import { describe, expect, it } from 'vitest';
import { checkLine, StdioLineGuard, type LineRefusal } from './stdio-line-guard.js';

describe('checkLine: what a stdin line is', () => {
  it('lets JSON-RPC requests, notifications and responses through and skips blank lines', () => {
    expect(checkLine('{"jsonrpc":"2.0","id":1,"method":"ping"}')).toEqual({ kind: 'message' });
    expect(checkLine('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toEqual({ kind: 'message' });
    expect(checkLine('{"jsonrpc":"2.0","id":"a","result":{}}')).toEqual({ kind: 'message' });
    expect(checkLine('   ')).toEqual({ kind: 'blank' });
  });

  it('answers a line that is not JSON with -32700 and a null id', () => {
    const verdict = checkLine('{"jsonrpc":"2.0","id":7,"method":');
    expect(verdict).toMatchObject({ kind: 'refused', replies: [{ jsonrpc: '2.0', id: null, error: { code: -32700 } }] });
    expect((verdict as { replies: readonly LineRefusal[] }).replies[0]?.error.message).toMatch(/^Parse error: /);
  });

  it('answers an invalid request with -32600, carrying its id when one can be read', () => {
    expect(checkLine('{"jsonrpc":"1.0","id":3,"method":"ping"}')).toMatchObject({ replies: [{ id: 3, error: { code: -32600, message: expect.stringMatching(/"jsonrpc" member must be "2.0"/) } }] });
    expect(checkLine('{"jsonrpc":"2.0","id":"x","method":"tools/call","params":[1]}')).toMatchObject({ replies: [{ id: 'x', error: { code: -32600, message: expect.stringMatching(/params/) } }] });
    expect(checkLine('{"jsonrpc":"2.0","id":1.5,"method":"ping"}')).toMatchObject({ replies: [{ id: null, error: { code: -32600, message: expect.stringMatching(/"id" member/) } }] });
    expect(checkLine('{"jsonrpc":"2.0","id":4,"method":5}')).toMatchObject({ replies: [{ id: 4, error: { code: -32600, message: expect.stringMatching(/"method"/) } }] });
    expect(checkLine('42')).toMatchObject({ replies: [{ id: null, error: { code: -32600, message: expect.stringMatching(/JSON object, got number/) } }] });
    expect(checkLine('null')).toMatchObject({ replies: [{ id: null, error: { code: -32600 } }] });
  });

  it('never answers by the id of a malformed response: that id names one of the client’s own requests', () => {
    expect(checkLine('{"jsonrpc":"2.0","id":9,"result":5}')).toMatchObject({ replies: [{ id: null, error: { code: -32600 } }] });
  });

  it('refuses a batch: each request in it by its id, or the whole once when none has one', () => {
    const batch = checkLine('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"b","method":"tools/list"}]');
    expect(batch).toMatchObject({ kind: 'refused', replies: [{ id: 1, error: { code: -32600 } }, { id: 'b', error: { code: -32600 } }] });
    expect((batch as { replies: readonly LineRefusal[] }).replies[0]?.error.message).toMatch(/batches are not supported/);
    expect(checkLine('[]')).toMatchObject({ replies: [{ id: null, error: { code: -32600 } }] });
  });
});

async function run(chunks: readonly (string | Buffer)[], maxLineBytes = 1000) {
  const refused: Array<{ replies: readonly LineRefusal[]; verdict: string }> = [];
  const guard = new StdioLineGuard({ maxLineBytes, onRefused: (replies, verdict) => refused.push({ replies, verdict }) });
  const passed: string[] = [];
  guard.on('data', (chunk: Buffer) => passed.push(chunk.toString('utf8')));
  const ended = new Promise((resolve) => guard.on('end', resolve));
  for (const chunk of chunks) guard.write(chunk);
  guard.end();
  await ended;
  return { passed: passed.join(''), refused };
}

describe('StdioLineGuard: the stream in front of the SDK transport', () => {
  it('passes whole messages split across chunks (a multi-byte character included), and a CRLF line', async () => {
    const message = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"note":"é"}}}\n');
    const cut = message.indexOf(0xc3) + 1; // inside the two bytes of é
    const { passed, refused } = await run([message.subarray(0, cut), message.subarray(cut), '{"jsonrpc":"2.0","id":2,"method":"ping"}\r\n']);
    expect(passed).toBe(`${message.toString()}{"jsonrpc":"2.0","id":2,"method":"ping"}\n`);
    expect(refused).toEqual([]);
  });

  it('answers bad lines between good ones, in order, and keeps passing the good ones', async () => {
    const { passed, refused } = await run(['not json\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n[{"jsonrpc":"2.0","id":2,"method":"ping"}]\n', '\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n']);
    expect(passed.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1, 3]);
    expect(refused.map((r) => r.verdict)).toEqual(['parse_error', 'invalid_request']);
    expect(refused[1]?.replies).toMatchObject([{ id: 2 }]);
  });

  it('drops a line over the limit as it arrives and answers it; the next line is served', async () => {
    const { passed, refused } = await run(['{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"', 'a'.repeat(600), 'a'.repeat(600), '"}}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n'], 1000);
    expect(refused).toMatchObject([{ verdict: 'too_large', replies: [{ id: null, error: { code: -32600, message: expect.stringMatching(/at most 1000 bytes/) } }] }]);
    expect(passed).toBe('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
  });

  it('serves a last line that has no newline (stdin closed right after it)', async () => {
    const { passed } = await run(['{"jsonrpc":"2.0","id":1,"method":"ping"}']);
    expect(passed).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
  });
});
