import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../config/defaults.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { BIN, bareEnv, startBin, type RunningBin } from '../test-support/bin.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../test-support/otlp-receiver.js';
import { scriptHierarchicalRun } from '../test-support/tracing-harness.js';

let sim: RunningSimulator;
let receiver: OtlpReceiver;
beforeAll(async () => {
  sim = await startSimulator();
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
  await sim.close();
});

type S = Record<string, any>;

/** A module hook that appends the URL of every module the process loads to $MODULE_TRACE. */
function moduleTraceHook(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-trace-'));
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.MODULE_TRACE, url + '\\n'); return next(url, context); }\n");
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
  return register;
}

function serve(env: Record<string, string>): RunningBin {
  return startBin(['--port', '0', '--host', '127.0.0.1'], bareEnv({ WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'otel-ws-')), ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env }));
}

/** The server's URL from its "listening" line (the OTLP endpoint it logs before that is a 127.0.0.1 URL too). */
async function listening(bin: RunningBin): Promise<string> {
  await bin.url;
  let url: string | undefined;
  await expect.poll(() => (url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*listening/.exec(bin.stderr())?.[1]), { timeout: 30_000 }).toBeDefined();
  return url as string;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'tracing-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url)));
  return client;
}

async function call(client: Client, name: string, args: S): Promise<S> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, JSON.stringify(result.structuredContent)).toBeFalsy();
  return result.structuredContent as S;
}

async function stop(bin: RunningBin): Promise<void> {
  bin.child.kill('SIGTERM');
  expect(await bin.exited).toBe(0);
}

describe('OpenTelemetry traces from the bin, over OTLP/HTTP', () => {
  it('a hierarchical run arrives as one tree (as protobuf, the OTLP default): tool call → coordination → every turn → its chat call, with GenAI attributes', async () => {
    const bin = serve({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const client = await connect(await listening(bin));
    const spawn = async (name: string, role: string) => (await call(client, 'spawn_claude', { name, role }))['instance_id'] as string;
    const lead = await spawn('Lead', 'architect');
    const fe = await spawn('FE', 'frontend_developer');
    const be = await spawn('BE', 'backend_developer');
    scriptHierarchicalRun(sim, { fe, be }, 'part done');
    const result = await call(client, 'coordinate_instances', {
      coordination_type: 'hierarchical',
      coordinator_id: lead,
      participant_ids: [fe, be],
      task_description: 'Build a todo app.',
      wait_seconds: 300,
    });
    expect(result['success']).toBe(true);
    await client.close();
    // Spans are batched: shutting down flushes what is left.
    await stop(bin);
    sim.setScript([]);

    const spans = receiver.spans;
    expect(new Set(receiver.formats)).toEqual(new Set(['application/x-protobuf']));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = (parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
    const roots = spans.filter((s) => s.name === 'tools/call coordinate_instances');
    expect(roots).toHaveLength(1);
    const root = roots[0] as ReceivedSpan;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.kind).toBe(2); // SERVER
    expect(root.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'coordinate_instances' });
    expect(root.resource['service.name']).toBe('claude-orchestrator');
    expect(root.scope).toBe('claude-orchestrator');

    const [run, ...others] = children(root);
    expect(others).toEqual([]);
    expect(run?.name).toBe('coordinate hierarchical');
    expect(run?.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_workflow', 'orchestrator.coordination.type': 'hierarchical', 'orchestrator.coordination.success': true });

    const turns = children(run as ReceivedSpan);
    expect(turns.map((t) => t.name).sort()).toEqual(['invoke_agent BE', 'invoke_agent FE', 'invoke_agent Lead', 'invoke_agent Lead']);
    const ids: Record<string, string> = { Lead: lead, FE: fe, BE: be };
    const roles: Record<string, string> = { Lead: 'architect', FE: 'frontend_developer', BE: 'backend_developer' };
    for (const turn of turns) {
      const name = turn.name.replace('invoke_agent ', '');
      expect(turn.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.agent.name': name,
        'gen_ai.agent.id': ids[name],
        'orchestrator.instance.role': roles[name],
        'orchestrator.instance.backend': 'api',
        'gen_ai.request.model': DEFAULTS.model,
        'gen_ai.response.finish_reasons': ['end_turn'],
      });
      expect(turn.attributes['orchestrator.cost_usd']).toBeGreaterThan(0);
      expect(turn.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      const calls = children(turn);
      expect(calls.map((c) => c.name)).toEqual([`chat ${DEFAULTS.model}`]);
      const chat = calls[0] as ReceivedSpan;
      expect(chat.kind).toBe(3); // CLIENT
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': DEFAULTS.model,
        'gen_ai.response.model': DEFAULTS.model,
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.output_tokens': turn.attributes['gen_ai.usage.output_tokens'],
      });
      expect(chat.attributes['gen_ai.request.max_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.response.id']).toMatch(/^msg_/);
      expect(chat.traceId).toBe(root.traceId);
    }
    // Every span of the run is in the root's trace; the spawns were traces of their own.
    const inTrace = spans.filter((s) => s.traceId === root.traceId);
    expect(inTrace).toHaveLength(1 + 1 + 4 + 4);
    for (const s of inTrace) if (s !== root) expect(byId.has(s.parentSpanId ?? '')).toBe(true);
    expect(spans.filter((s) => s.name === 'tools/call spawn_claude').map((s) => s.parentSpanId)).toEqual([undefined, undefined, undefined]);
  });

  it('a stdio server exports too (as JSON when asked), keeping stdout for JSON-RPC, and flushes when its client goes away', async () => {
    const before = receiver.spans.length;
    const exportsBefore = receiver.formats.length;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--stdio'],
      cwd: tmpdir(),
      env: bareEnv({ WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'otel-ws-')), ANTHROPIC_API_KEY: 'sim', ANTHROPIC_BASE_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'stdio-orchestrator' }),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'tracing-stdio', version: '1' });
    await client.connect(transport);
    const id = (await call(client, 'spawn_claude', { name: 'Piped', role: 'general' }))['instance_id'] as string;
    await call(client, 'send_to_instance', { instance_id: id, message: 'hello over stdio' });
    await client.close();
    await expect.poll(() => receiver.spans.slice(before).map((s) => s.name), { timeout: 30_000 }).toEqual(expect.arrayContaining(['tools/call spawn_claude', 'tools/call send_to_instance', 'invoke_agent Piped', `chat ${DEFAULTS.model}`]));
    const turn = receiver.spans.slice(before).find((s) => s.name === 'invoke_agent Piped');
    expect(turn?.resource['service.name']).toBe('stdio-orchestrator');
    expect(turn?.attributes['gen_ai.agent.id']).toBe(id);
    expect(new Set(receiver.formats.slice(exportsBefore))).toEqual(new Set(['application/json']));
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT (or with OTEL_SDK_DISABLED=true) nothing is exported and no SDK module is loaded', async () => {
    const before = receiver.requests.length;
    const hook = moduleTraceHook();
    for (const env of [{}, { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }]) {
      const trace = join(mkdtempSync(join(tmpdir(), 'otel-trace-')), 'modules.txt');
      const server = serve({ ...env, NODE_OPTIONS: `--import ${hook}`, MODULE_TRACE: trace });
      const client = await connect(await server.url);
      const id = (await call(client, 'spawn_claude', { name: 'quiet', role: 'general' }))['instance_id'] as string;
      await call(client, 'send_to_instance', { instance_id: id, message: 'hello' });
      await client.close();
      await stop(server);
      const loaded = readFileSync(trace, 'utf8');
      expect(loaded).toMatch(/dist\/cli\.js/);
      expect(loaded).not.toMatch(/[/\\]otel-sdk-|exporter-trace-otlp|sdk-trace-base|context-async-hooks/);
    }
    expect(receiver.requests.length).toBe(before);
  });
});
