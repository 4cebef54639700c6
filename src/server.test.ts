import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config/load-config.js';
import { createLogger } from './observability/logger.js';
import { startServer } from './server.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { startOtlpReceiver, type OtlpReceiver } from './test-support/otlp-receiver.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
afterEach(() => {
  delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
});

/** A JSON logger and the lines it wrote. */
function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }), { format: 'json' });
  return { logger, text: () => lines.join('') };
}

const workspaceDir = () => mkdtempSync(join(tmpdir(), 'server-ws-'));
const recording = () => trace.getTracer('probe').startSpan('probe').isRecording();

describe('startServer with traces on, when start-up fails', () => {
  it('shuts tracing down when the store cannot be opened, so the next server registers its own', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    const notADirectory = join(workspaceDir(), 'a-file');
    writeFileSync(notADirectory, 'not a directory');
    const failed = capture();
    await expect(startServer({ config: loadConfig({}, {}, { port: 0, workspaceDir: workspaceDir(), dbPath: join(notADirectory, 'orchestrator.db') }), logger: failed.logger })).rejects.toThrow();
    expect(failed.text()).toContain('OpenTelemetry: exporting traces');
    expect(recording()).toBe(false);

    const next = capture();
    const server = await startServer({ config: loadConfig({}, {}, { port: 0, workspaceDir: workspaceDir() }), logger: next.logger });
    try {
      expect(recording()).toBe(true);
      expect(next.text()).toContain('OpenTelemetry: exporting traces');
      expect(next.text()).not.toContain('already registered');
    } finally {
      await server.close();
    }
    expect(recording()).toBe(false);
  });

  it('shuts tracing down when the port is in use, and says so in one line', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
      const { logger } = capture();
      await expect(startServer({ config: loadConfig({}, {}, { host: '127.0.0.1', port, workspaceDir: workspaceDir() }), logger })).rejects.toThrow(`port ${port} is in use`);
      expect(recording()).toBe(false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

describe('startServer as a node of the store', () => {
  it('records the address it serves at once it listens: NODE_ADDRESS when set, else its listen URL', async () => {
    const ws = workspaceDir();
    const plain = await startServer({ config: loadConfig({}, {}, { host: '127.0.0.1', port: 0, workspaceDir: ws }), logger: capture().logger });
    const named = await startServer({ config: loadConfig({}, {}, { host: '127.0.0.1', port: 0, workspaceDir: ws, nodeAddress: 'http://node-b.internal:3000' }), logger: capture().logger });
    const reader = new SqliteStore(join(ws, 'orchestrator.db'));
    try {
      expect(plain.orchestrator.node().address).toBe(plain.url);
      expect((await reader.getOwner(plain.orchestrator.node().id))?.address).toBe(plain.url);
      expect((await reader.getOwner(named.orchestrator.node().id))?.address).toBe('http://node-b.internal:3000');
    } finally {
      await plain.close();
      await named.close();
      await reader.close();
    }
  });
});
