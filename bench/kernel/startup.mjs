// The kernel bench's `startup` part: see ../kernel.mjs for what it measures and how to run it.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, childPids, r3, removeDir, scaled, stats, tempDir, trackPid } from './common.mjs';

function timeToExit(args, env) {
  return new Promise((res, rej) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
    trackPid(child.pid);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', rej);
    child.once('exit', (code) => {
      const ms = performance.now() - t;
      childPids.delete(child.pid);
      if (code !== 0) rej(new Error(`node ${args.join(' ')} exited with ${code}`));
      else res({ ms, out });
    });
  });
}

function timeToInitialize(protocolVersion, script = CLI, args = ['--stdio']) {
  const ws = tempDir('kernel-startup-ws-');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', WORKSPACE_DIR: ws, LOG_LEVEL: 'silent' };
  const request = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'kernel-bench', version: '1' } },
  });
  return new Promise((res, rej) => {
    const t = performance.now();
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: tmpdir() });
    trackPid(child.pid);
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no initialize answer within 30 s; stderr: ${err}`)), 30_000);
    const finish = (error, ms, line) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.once('exit', () => {
        childPids.delete(child.pid);
        removeDir(ws);
        if (error) rej(error);
        else res({ ms, line });
      });
      if (child.exitCode !== null || child.signalCode !== null) child.emit('exit');
    };
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const ms = performance.now() - t;
      const line = out.slice(0, nl);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return finish(new Error(`first stdout line is not JSON: ${line.slice(0, 300)}`));
      }
      if (msg.id !== 0 || !msg.result) return finish(new Error(`first stdout line is not the initialize result: ${line.slice(0, 300)}`));
      finish(undefined, ms, msg);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.once('error', (e) => finish(e));
    child.stdin.on('error', () => undefined);
    child.stdin.write(`${request}\n`);
  });
}

/**
 * The floor of any server on our MCP SDK: one tool, stdio, bundled and minified the way our bin is (esbuild, a
 * dev dependency), written to a temp dir. Undefined when esbuild is not installed.
 */
async function buildReferenceServer() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const dir = tempDir('kernel-ref-server-');
  const entry = join(ROOT, '.kernel-ref-server.mjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    "import { McpServer } from '@modelcontextprotocol/server';\nimport { serveStdio } from '@modelcontextprotocol/server/stdio';\nimport { z } from 'zod';\n" +
      "serveStdio(() => { const s = new McpServer({ name: 'one-tool', version: '1' }, { capabilities: { tools: {} } }); " +
      "s.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async (a) => ({ content: [{ type: 'text', text: a.text }] })); return s; }, {});\n",
  );
  try {
    await esbuild.build({ entryPoints: [entry], outfile: join(dir, 'server.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', minify: true, logLevel: 'silent' });
  } finally {
    rmSync(entry, { force: true });
  }
  return join(dir, 'server.mjs');
}

export async function partStartup() {
  const mcp = await import('@modelcontextprotocol/client');
  const protocolVersion = mcp.LATEST_PROTOCOL_VERSION ?? '2025-06-18';
  const runs = scaled(20, 3);
  const warmups = 2;
  const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const reference = await buildReferenceServer();
  const ms = { bare_node: [], cli_version: [], stdio_initialize: [], one_tool_server_initialize: [] };
  let negotiated;
  let version;
  for (let i = 0; i < warmups + runs; i++) {
    const bare = await timeToExit(['-e', ''], bareEnv);
    const ver = await timeToExit([CLI, '--version'], bareEnv);
    const init = await timeToInitialize(protocolVersion);
    const ref = reference ? await timeToInitialize(protocolVersion, reference, []) : undefined;
    negotiated = init.line.result?.protocolVersion;
    version = ver.out.trim();
    if (i < warmups) continue;
    ms.bare_node.push(bare.ms);
    ms.cli_version.push(ver.ms);
    ms.stdio_initialize.push(init.ms);
    if (ref) ms.one_tool_server_initialize.push(ref.ms);
  }
  const p50 = (k) => stats(ms[k]).p50;
  return {
    part: 'startup',
    runs,
    warmup_runs: warmups,
    protocol_version_sent: protocolVersion,
    protocol_version_answered: negotiated,
    cli_version_output: version,
    note: 'stdio_initialize: spawn -> first stdout line (the initialize result), fresh WORKSPACE_DIR per run; bare_node and cli_version: spawn -> exit; one_tool_server_initialize: a one-tool server on the same MCP SDK, bundled the same way (the floor for any server on it)',
    ms: { bare_node: stats(ms.bare_node), cli_version: stats(ms.cli_version), stdio_initialize: stats(ms.stdio_initialize), one_tool_server_initialize: reference ? stats(ms.one_tool_server_initialize) : null },
    p50_ratio_stdio_initialize_over_bare_node: r3(p50('stdio_initialize') / p50('bare_node')),
    p50_ratio_one_tool_server_over_bare_node: reference ? r3(p50('one_tool_server_initialize') / p50('bare_node')) : null,
    p50_ratio_cli_version_over_bare_node: r3(p50('cli_version') / p50('bare_node')),
  };
}
