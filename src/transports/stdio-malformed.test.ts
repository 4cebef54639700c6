import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { bareEnv, BIN, childCoverageEnv } from '../test-support/bin.js';

interface Line {
  readonly id?: string | number | null;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

/** The built bin over a raw pipe: what we write is exactly what it reads; every stdout line is collected. */
function rawStdio() {
  const child = spawn(process.execPath, [BIN, '--stdio'], {
    cwd: tmpdir(),
    env: { ...bareEnv(), ...childCoverageEnv(), WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'orch-ws-')), LOG_LEVEL: 'DEBUG' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const raw: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    raw.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    write: (text: string) => child.stdin.write(text),
    /** Waits (generously) until `count` lines have come out, and returns them parsed. */
    async lines(count: number): Promise<Line[]> {
      const deadline = Date.now() + 60_000;
      while (raw.length < count) {
        if (Date.now() > deadline) throw new Error(`${raw.length} of ${count} lines after 60 s: ${raw.join('\n')}\n${stderr}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000).unref();
        });
      }
      return raw.slice(0, count).map((l) => JSON.parse(l) as Line);
    },
    raw,
    stderr: () => stderr,
    async close() {
      child.stdin.end();
      return exited;
    },
  };
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('stdio: a line that is not a JSON-RPC message gets an answer, and serving goes on', () => {
  it('answers bad JSON with -32700, a batch and non-JSON-RPC values with -32600 (by id when there is one), then still serves', async () => {
    const io = rawStdio();
    io.write(`${initialize}\n`);
    expect((await io.lines(1))[0]).toMatchObject({ id: 0, result: { protocolVersion: '2025-06-18' } });
    io.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');

    io.write('{"jsonrpc":"2.0","id":1,"method":"tools/list"\n'); // cut short: not JSON
    io.write('[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]\n');
    io.write('{"jsonrpc":"2.0","id":4}\n'); // neither request nor response
    io.write('{"id":5,"method":"ping"}\n'); // no "jsonrpc"
    io.write('"hello"\n');
    io.write('\n'); // blank: nothing to answer
    io.write('{"jsonrpc":"2.0","id":6,"method":"tools/list"}\n');
    const lines = await io.lines(7);
    expect(lines.slice(1, 6)).toMatchObject([
      { id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error/) } },
      { id: 2, error: { code: -32600, message: expect.stringMatching(/batches are not supported/) } },
      { id: 3, error: { code: -32600 } },
      { id: null, error: { code: -32600 } },
      { id: 5, error: { code: -32600, message: expect.stringMatching(/"jsonrpc" member must be "2.0"/) } },
    ]);
    // The string "hello" is answered too, and the tools/list after all of it is served.
    const rest = await io.lines(8);
    expect(rest[6]).toMatchObject({ id: null, error: { code: -32600, message: expect.stringMatching(/got string/) } });
    expect(rest[7]).toMatchObject({ id: 6, result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'spawn_claude' })]) } });

    expect(await io.close()).toBe(0);
    // stdout carried only JSON-RPC (every line parsed above, none extra); the refusals were logged on stderr.
    expect(io.raw).toHaveLength(8);
    expect(io.stderr()).toContain('not a JSON-RPC message we serve');
  });
});
