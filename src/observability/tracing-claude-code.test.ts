import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator } from '../library.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { ClaudeCodeKit, TEST_API_KEY } from '../test-support/claude-code-kit.js';
import { inMemoryTracing } from '../test-support/tracing-harness.js';
import { executeTool } from '../tools/registry.js';

// A real Claude Code agent on the simulator: its model calls reach the orchestrator's model proxy over HTTP
// from another process, and still appear as chat spans under the turn that made them.
const { exporter } = inMemoryTracing();
let kit: ClaudeCodeKit;
let orchestrator: Orchestrator;

beforeAll(async () => {
  kit = await ClaudeCodeKit.start();
  orchestrator = createOrchestrator({
    env: {},
    config: { workspaceDir: realpathSync(mkdtempSync(join(tmpdir(), 'otel-cc-'))), apiKey: TEST_API_KEY, baseUrl: kit.sim.url, healthCheckIntervalSeconds: 3600 },
  });
});
afterAll(async () => {
  await orchestrator.close();
  await kit.close();
});

describe('traces of a Claude Code agent', () => {
  it("its model calls, made through the model proxy, are chat spans under its turn's span", async () => {
    const spawned = await executeTool(orchestrator, 'spawn_claude', { name: 'Coder', role: 'backend_developer', backend: 'claude-code' });
    expect(spawned.result.isError, JSON.stringify(spawned.result.structuredContent)).toBeFalsy();
    const id = spawned.result.structuredContent['instance_id'] as string;
    const workspace = (await orchestrator.getInstanceStatus({ instance_id: id })).workspace;
    exporter.reset();

    const sent = await executeTool(orchestrator, 'send_to_instance', { instance_id: id, message: `WRITE ${join(workspace, 'traced.txt')} traced` });
    expect(sent.result.isError, JSON.stringify(sent.result.structuredContent)).toBeFalsy();
    expect(readFileSync(join(workspace, 'traced.txt'), 'utf8')).toBe('traced\n');

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [root] = named('tools/call send_to_instance');
    const [turn] = named('invoke_agent Coder');
    expect(turn?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(turn?.attributes).toMatchObject({ 'gen_ai.agent.id': id, 'orchestrator.instance.backend': 'claude-code', 'orchestrator.instance.role': 'backend_developer', 'orchestrator.model_calls': 2 });
    const calls = spans.filter((s) => s.name.startsWith('chat ')) as ReadableSpan[];
    // The tool call, then the answer: both through the proxy, both children of the turn, in its trace.
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.parentSpanContext?.spanId).toBe(turn?.spanContext().spanId);
      expect(call.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(call.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'orchestrator.call.via': 'model_proxy' });
      expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(call.attributes['gen_ai.response.id']).toMatch(/^msg_/);
    }
    expect(calls.map((c) => c.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_use'], ['end_turn']]);
  });
});
