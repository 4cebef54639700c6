import { describe, expect, it } from 'vitest';
import { connectClient, rawRequest } from '../test-support/http.js';
import { orchestratorFixture } from '../test-support/orchestrator-fixture.js';
import { startStack } from '../test-support/stack.js';

type S = Record<string, any>;

const execute = (url: string, tool: string, args: S) =>
  rawRequest(url, '/tools/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });

describe('a server that is shutting down answers 503 with retry-after, not 409', () => {
  it('refuses new work over REST and MCP while its running turns finish, and still serves reads until the grace ends', async () => {
    const stack = await startStack();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    try {
      const client = await connectClient(stack.url);
      const spawned = (await execute(stack.url, 'spawn_claude', { name: 'drainer' })).json() as S;
      const id = spawned['structuredContent']['instance_id'] as string;
      // A turn in flight, so the shutdown waits in its grace period.
      stack.sim.setScript([{ match: { lastUser: 'hold on' }, reply: async () => (await gate, 'done') }]);
      const handle = (await execute(stack.url, 'send_to_instance', { instance_id: id, message: 'hold on', wait_seconds: 0 })).json() as S;
      await expect.poll(() => stack.sim.inFlight, { timeout: 30_000 }).toBe(1);

      const closing = stack.server.close({ graceMs: 600_000 });

      const spawn = await execute(stack.url, 'spawn_claude', { name: 'late' });
      expect(spawn.status).toBe(503);
      expect(spawn.headers['retry-after']).toBe('5');
      expect(spawn.json()).toMatchObject({ isError: true, structuredContent: { error: { code: 'unavailable', details: { reason: 'shutting_down', retry_after_seconds: 5 } } } });

      const send = await execute(stack.url, 'send_to_instance', { instance_id: id, message: 'more' });
      expect(send.status).toBe(503);
      const terminate = await rawRequest(stack.url, `/instances/${id}`, { method: 'DELETE' });
      expect(terminate.status).toBe(503);
      expect(terminate.headers['retry-after']).toBe('5');
      expect(terminate.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(/shutting down/) } });

      // A tool call over MCP: a tool error that says the same.
      const viaMcp = await client.callTool({ name: 'spawn_claude', arguments: { name: 'late-mcp' } });
      expect(viaMcp.isError).toBe(true);
      expect(viaMcp.structuredContent).toMatchObject({ error: { code: 'unavailable', details: { reason: 'shutting_down' } } });

      // Reads go on during the grace period: a client can still watch its running turn finish.
      expect((await rawRequest(stack.url, `/instances/${id}`)).status).toBe(200);

      expect(handle['structuredContent']['state']).toBe('working');
      open();
      // The running turn finishes within the grace, and the shutdown with it.
      await closing;
      await client.close();
    } finally {
      open();
      await stack.close();
    }
  });

  it('refuses reads too once the grace is over (the store is closing)', async () => {
    const fx = orchestratorFixture();
    await fx.orchestrator.close();
    await expect(fx.orchestrator.listInstances()).rejects.toMatchObject({ code: 'unavailable', details: { reason: 'shutting_down', retry_after_seconds: 5 } });
    await expect(fx.orchestrator.spawnInstance({ name: 'x' })).rejects.toMatchObject({ code: 'unavailable' });
  });
});
