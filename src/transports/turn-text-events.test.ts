import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { openSse } from '../test-support/sse-client.js';

// A reply of many deltas with a pause between them: the turn streams for a while, so its text comes in pieces.
const REPLY = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '. Done — ünïcödé 🎉 too.';

let sim: RunningSimulator;
let server: RunningServer;
let url: string;

beforeAll(async () => {
  sim = await startSimulator({ chunkDelayMs: 15, script: [{ match: { lastUser: 'stream this' }, reply: REPLY }] });
  const config = loadConfig({}, {}, { port: 0, host: '127.0.0.1', apiKey: 'sim-key', baseUrl: sim.url, workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')) });
  server = await startServer({ config, logger: silentLogger() });
  url = server.url as string;
});
afterAll(async () => {
  await server?.close();
  await sim?.close();
});

const execute = async (tool: string, args: unknown) => {
  const res = await fetch(`${url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
  return (await res.json()) as { structuredContent: Record<string, any> };
};

describe('turn.text on GET /events', () => {
  it('carries a turn\'s reply in pieces, before turn.settled, that join into the stored reply', async () => {
    const id = (await execute('spawn_claude', { name: 'Talker' })).structuredContent['instance_id'] as string;
    const sse = await openSse(url, `/events?instance=${encodeURIComponent(id)}`);
    try {
      const sent = await execute('send_to_instance', { instance_id: id, message: 'Please stream this reply' });
      expect(sent.structuredContent['reply']).toBe(REPLY);
      const settled = await sse.waitFor((e) => e.event === 'turn.settled');
      const settledAt = sse.events.indexOf(settled);
      const chunks = sse.events.filter((e) => e.event === 'turn.text').map((e) => JSON.parse(e.data) as { seq: number; offset: number; text: string; instanceId: string });
      // Every chunk came before the settlement, in order, with no gap.
      expect(sse.events.slice(settledAt).some((e) => e.event === 'turn.text')).toBe(false);
      // The simulator pauses between deltas, and the first chunk goes out at once: more than one event.
      expect(chunks.length).toBeGreaterThan(1);
      let offset = 0;
      for (const c of chunks) {
        expect(c).toMatchObject({ instanceId: id, seq: JSON.parse(settled.data).seq, offset });
        offset += c.text.length;
      }
      expect(chunks.map((c) => c.text).join('')).toBe(REPLY);
      const output = (await (await fetch(`${url}/instances/${id}/output`)).json()) as { messages: Array<{ role: string; content: string }> };
      expect(output.messages.at(-1)).toMatchObject({ role: 'assistant', content: chunks.map((c) => c.text).join('') });
    } finally {
      sse.close();
    }
  });
});
