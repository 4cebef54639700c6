// Helpers the parts of the cluster bench (../cluster.mjs) share: orchestrator nodes as separate processes
// (`node dist/cli.js serve`, as deployed), a simulator in its own process, the REST client, free ports.
import { execFileSync, fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, childPids, trackPid } from '../kernel/common.mjs';

export { MESSAGE, ROLE, childPids, cleanupSync, r3, removeDir, stats, tempDir, timed, trackPid } from '../kernel/common.mjs';
export const SELF = join(ROOT, 'bench', 'cluster.mjs');
/** The message the failover part's simulator holds for a long time, so a turn is running when its node is killed. */
export const SLOW = 'SLOW-TURN';

/** A port free right now on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value; throws `what` after `ms`. */
export async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * The simulator's child mode: a Messages API with a fixed latency, and a `SLOW` message held for `slowMs`.
 * It runs in its own process so the load generator's event loop never slows the model down.
 */
export async function simChild(latencyMs, slowMs) {
  const { startSimulator } = await import(new URL('../../dist/index.js', import.meta.url).href);
  const sim = await startSimulator({ latencyMs, script: [{ match: { lastUser: SLOW }, reply: 'Done slowly.', latencyMs: slowMs }] });
  process.on('message', (m) => {
    if (m === 'stats') process.send({ requests: sim.requests.length, maxInFlight: sim.maxInFlight });
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
  process.send({ url: sim.url });
}

/** Starts the simulator child; resolves with its URL and a close(). */
export async function startSimulatorProcess({ latencyMs = 0, slowMs = 60_000 } = {}) {
  const child = fork(SELF, ['--sim-child', String(latencyMs), String(slowMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: tmpdir() });
  trackPid(child.pid);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the simulator child did not start within 20 s')), 20_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once('exit', (code) => reject(new Error(`the simulator child exited (${code})`)));
  });
  return {
    url,
    async close() {
      child.disconnect();
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      child.kill('SIGKILL');
      childPids.delete(child.pid);
    },
  };
}

/** What every node of the bench runs with: generous limits, no rate limit, quiet logs, fast node checks. */
export function nodeEnv({ db, workspaceDir, port, simUrl, extra = {} }) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workspaceDir,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    ORCHESTRATOR_HOST: '127.0.0.1',
    ORCHESTRATOR_PORT: String(port),
    ORCHESTRATOR_DB: db,
    WORKSPACE_DIR: workspaceDir,
    ANTHROPIC_API_KEY: 'bench',
    ANTHROPIC_BASE_URL: simUrl,
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_INSTANCES: '100000',
    MAX_TOKENS_PER_INSTANCE: '1000000000',
    MAX_TOTAL_COST: '1000000',
    INSTANCE_TIMEOUT_MINUTES: '1440',
    // Keep the periodic sweep out of the measured calls.
    HEALTH_CHECK_INTERVAL_SECONDS: '86400',
    ...extra,
  };
}

/**
 * One orchestrator node: `node dist/cli.js serve` in its own process, ready when GET /health answers 200. With
 * `host`, it runs under a host name of its own (a UTS namespace, `unshare --uts`, root only), so the other nodes
 * judge it as a node on another machine would be judged: by its heartbeat, not by its process.
 */
export async function startNode(env, { host } = {}) {
  const [command, args] = host
    ? ['unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host, process.execPath, CLI, 'serve']]
    : [process.execPath, [CLI, 'serve']];
  const child = spawn(command, args, { env, cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] });
  trackPid(child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  let exited = null;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${env.ORCHESTRATOR_PORT}`;
  try {
    await waitFor(async () => {
      if (exited) throw new Error('exited');
      return (await fetch(`${url}/health`)).ok;
    }, 120_000, `the node on ${url} to answer /health`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`node ${url} did not start (${exited ? `exit ${exited.code ?? exited.signal}` : error.message})\nstderr tail:\n${stderr}`);
  }
  return {
    url,
    pid: child.pid,
    stderr: () => stderr,
    /** kill -9: the node stops at once, as a crashed machine would. */
    async kill() {
      child.kill('SIGKILL');
      await exit;
      childPids.delete(child.pid);
    },
    /** SIGTERM, as an operator stops a node; SIGKILL if it has not left within 30 s. */
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await Promise.race([exit, sleep(30_000)]);
      child.kill('SIGKILL');
      await exit;
      childPids.delete(child.pid);
    },
  };
}

/** Whether this process may give nodes host names of their own (see startNode). */
export function canSeparateHosts() {
  if (process.getuid?.() !== 0) return false;
  try {
    return execFileSync('unshare', ['--uts', 'sh', '-c', 'hostname bench-probe && hostname'], { encoding: 'utf8' }).trim() === 'bench-probe';
  } catch {
    return false;
  }
}

/**
 * Throws unless the node really stores in PostgreSQL: a build without PostgresStore would take the URL for a SQLite
 * file name and the figures would measure SQLite.
 */
export async function assertPostgresStore(db) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
    if (rows[0].n === 0) throw new Error('The node created no tables in PostgreSQL: this build has no PostgresStore behind ORCHESTRATOR_DB=postgres://… (run `npm run build` once it lands).');
  } finally {
    await client.end();
  }
}

/** A tool call over REST (POST /tools/execute); throws on a tool error, so a failure is never timed as a fast call. */
export async function tool(url, name, args, signal) {
  const res = await fetch(`${url}/tools/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tool: name, arguments: args }),
    ...(signal ? { signal } : {}),
  });
  const body = await res.json();
  if (!res.ok || body.isError) {
    const text = (body.content ?? []).map((c) => c.text ?? '').join(' ') || JSON.stringify(body);
    throw new Error(`${name} via ${url} failed (${res.status}): ${text.slice(0, 500)}`);
  }
  return body.structuredContent ?? {};
}
