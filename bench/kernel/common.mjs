// Helpers every part of the kernel bench (../kernel.mjs) shares: stats, temp dirs and child processes cleaned up
// at exit, the built library, and an MCP client over stdio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
/** The bench's entry file: children are started from it (see its --idle-child and --sim-child modes). */
export const SELF = join(ROOT, 'bench', 'kernel.mjs');
export const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------
export function roundsFactor() {
  const r = Number(process.env.BENCH_ROUNDS ?? 500);
  if (!Number.isFinite(r) || r <= 0) throw new Error(`BENCH_ROUNDS must be a positive number, got ${process.env.BENCH_ROUNDS}`);
  return Math.min(r, 5000) / 500;
}
export function scaled(n, min = 1) {
  return Math.max(min, Math.round(n * roundsFactor()));
}

export const r3 = (x) => Math.round(x * 1000) / 1000;
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0 };
  // Nearest-rank percentiles.
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: r3(at(0.5)), p95: r3(at(0.95)), p99: r3(at(0.99)), max: r3(s[s.length - 1]), mean: r3(mean) };
}

export async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** Temp dirs and child processes to clean up at exit, whatever happens. */
export const tempDirs = new Set();
export const childPids = new Set();
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
export function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
  tempDirs.delete(dir);
}
export function trackPid(pid) {
  if (pid) childPids.add(pid);
  return pid;
}
export function killTracked() {
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  childPids.clear();
}
export function cleanupSync() {
  killTracked();
  for (const dir of [...tempDirs]) removeDir(dir);
}

/** Loads the built library fresh from ../dist (never from the installed package). */
export async function lib() {
  return import(new URL('../../dist/index.js', import.meta.url).href);
}

/** Environment of a stdio server: bare (what an MCP client passes), plus the settings it needs. */
export function serverEnv(extra) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LOG_LEVEL: 'silent',
    // Keep the periodic sweep out of the measured calls; budgets and lifetimes never get in the way.
    HEALTH_CHECK_INTERVAL_SECONDS: '86400',
    MAX_TOKENS_PER_INSTANCE: '1000000000',
    MAX_TOTAL_COST: '100000',
    INSTANCE_TIMEOUT_MINUTES: '1440',
    ...extra,
  };
}

/** An MCP client over stdio to `node dist/cli.js --stdio`, with the server's stderr kept for error reports. */
export async function connectStdio(env) {
  const { Client } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--stdio'], cwd: tmpdir(), env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const client = new Client({ name: 'kernel-bench', version: '1' });
  let connect;
  try {
    connect = await timed(() => client.connect(transport));
  } catch (error) {
    trackPid(transport.pid);
    await transport.close().catch(() => undefined);
    throw new Error(`MCP stdio server did not start: ${error?.message ?? error}\nserver stderr tail:\n${stderr}`);
  }
  trackPid(transport.pid);
  const pid = transport.pid;
  return {
    client,
    connectMs: connect.ms,
    stderr: () => stderr,
    async close() {
      await client.close().catch(() => undefined);
      childPids.delete(pid);
    },
  };
}

/** Calls a tool and throws on a tool error, so a failing call is never timed as a fast one. */
export async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content ?? []).map((c) => c.text ?? '').join(' ');
    throw new Error(`${name} failed: ${text.slice(0, 500)}`);
  }
  return result.structuredContent ?? {};
}

export const ROLE = 'backend_developer';
export const MESSAGE = 'Design a small REST API for tasks.';
export const DIRECT_SYSTEM = 'You are a senior backend developer.';
export const MODEL = 'claude-sonnet-5-5';
