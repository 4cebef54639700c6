import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin, as a user (or an MCP client) runs it. */
export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

/**
 * Under `vitest --coverage`, where a spawned bin writes its V8 coverage (scripts/coverage-provider.mjs merges
 * it into the report); nothing otherwise.
 */
export function childCoverageEnv(): Record<string, string> {
  const dir = process.env['CHILD_V8_COVERAGE_DIR'];
  return dir ? { NODE_V8_COVERAGE: dir } : {};
}

export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'home-')), ...childCoverageEnv(), ...extra };
}

export interface RunningBin {
  readonly child: ChildProcess;
  /** The first http://127.0.0.1:<port> the process logs on stderr. */
  readonly url: Promise<string>;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts the bin from another directory with the given environment. */
export function startBin(args: string[], env: Record<string, string>): RunningBin {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: { ...childCoverageEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that fails or times out must not leave a server running after the test process ends.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let stderr = '';
  const url = new Promise<string>((resolveUrl, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  url.catch(() => undefined);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, url, exited, stderr: () => stderr };
}
