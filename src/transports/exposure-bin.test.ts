import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, bareEnv } from '../test-support/bin.js';

// The built bin, as an operator runs it (needs `npm run build`).
const run = promisify(execFile);
const failure = (error: unknown) => error as { code: number; stderr: string };

describe('the bin refuses to expose itself without a token', () => {
  it('exits 2 on --host 0.0.0.0 with one line saying why and how', async () => {
    const env = { ...bareEnv(), WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'ws-')) };
    const result = failure(await run(process.execPath, [BIN, '--host', '0.0.0.0', '--port', '0'], { env, timeout: 30_000 }).catch((e: unknown) => e));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without a token/);
    expect(result.stderr).toMatch(/ORCHESTRATOR_TOKEN/);
  });

  it('exits 2 on a weak token without echoing it', async () => {
    const env = { ...bareEnv(), ORCHESTRATOR_TOKEN: 'hunter2-is-my-token' };
    const result = failure(await run(process.execPath, [BIN, '--host', '0.0.0.0', '--port', '0'], { env, timeout: 30_000 }).catch((e: unknown) => e));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ORCHESTRATOR_TOKEN \(hidden\).*at least 32 characters/s);
    expect(result.stderr).not.toContain('hunter2');
  });
});
