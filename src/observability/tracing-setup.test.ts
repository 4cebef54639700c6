import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../test-support/otlp-receiver.js';
import { createLogger, silentLogger } from './logger.js';
import { withoutCredentials } from './otel-sdk.js';
import { startTracing, tracingRequested } from './start-tracing.js';
import { withSpan } from './tracing.js';

let receiver: OtlpReceiver;
const saved = { ...process.env };
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('when traces are exported', () => {
  it('only when an OTLP endpoint is set, and neither OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none says no', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  it('unset, nothing starts', async () => {
    await expect(startTracing({}, silentLogger())).resolves.toBeUndefined();
  });

  it('exports to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as OTEL_SERVICE_NAME, and shutdown flushes what is batched', async () => {
    Object.assign(process.env, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_SERVICE_NAME: 'my-orchestrator', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test' });
    const tracing = await startTracing(process.env, silentLogger());
    expect(tracing).toBeDefined();
    await withSpan('one span', {}, async () => undefined);
    await tracing?.shutdown();
    const span = receiver.spans.find((s) => s.name === 'one span');
    expect(span?.resource).toMatchObject({ 'service.name': 'my-orchestrator', 'deployment.environment.name': 'test', 'telemetry.sdk.language': 'nodejs' });
    expect(span?.resource['service.version']).toBeTypeOf('string');
    // After shutdown the global provider is gone: spans are no-ops again.
    expect(trace.getTracer('x').startSpan('after').isRecording()).toBe(false);
  });

  it('a collector that is down neither fails the work nor holds shutdown for its retries', async () => {
    const dead = await startOtlpReceiver();
    await dead.close();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = dead.url;
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }), { format: 'json' });
    const tracing = await startTracing(process.env, logger);
    await expect(withSpan('lost span', {}, async () => 'the work is done')).resolves.toBe('the work is done');
    await tracing?.shutdown();
    expect(lines.join('')).toMatch(/spans not flushed within \d+ s of shutdown|spans not exported/);
  });

  it('logs where spans go without the credentials an endpoint may carry', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `${receiver.url.replace('//', '//user:s3cret@')}/base/?api_key=s3cret-too#frag`;
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }), { format: 'json' });
    const tracing = await startTracing(process.env, logger);
    await tracing?.shutdown();
    const started = lines.map((l) => JSON.parse(l) as { msg: string; endpoint?: string }).find((l) => l.msg.startsWith('OpenTelemetry: exporting traces'));
    expect(started?.endpoint).toBe(`${receiver.url}/base/v1/traces`);
    expect(lines.join('')).not.toContain('s3cret');
    expect(withoutCredentials('https://k:v@collector.example:4318/v1/traces?token=x')).toBe('https://collector.example:4318/v1/traces');
    expect(withoutCredentials('k:v@collector:4318/v1/traces?token=x')).toBe('collector:4318/v1/traces');
  });

  it("steps aside when the process already has a TracerProvider: the spans go to that one", async () => {
    const exporter = new InMemorySpanExporter();
    const theirs = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(theirs);
    try {
      process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
      await expect(startTracing(process.env, silentLogger())).resolves.toBeUndefined();
      await withSpan('theirs', {}, async () => undefined);
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['theirs']);
    } finally {
      await theirs.shutdown();
      trace.disable();
    }
  });
});
