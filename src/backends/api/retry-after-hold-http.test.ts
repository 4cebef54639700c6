import { describe, expect, it } from 'vitest';
import { connectClient, rawRequest } from '../../test-support/http.js';
import { startStack } from '../../test-support/stack.js';

type S = Record<string, any>;

const execute = (url: string, tool: string, args: S) =>
  rawRequest(url, '/tools/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });

describe('a send refused by a retry-after hold, through the real server', () => {
  it('answers 503 with retry-after over REST and a tool error over MCP, saying when to retry', async () => {
    const stack = await startStack({ apiRetryMaxSeconds: 600 });
    try {
      const spawn = async (name: string) => ((await execute(stack.url, 'spawn_claude', { name })).json() as S)['structuredContent']['instance_id'] as string;
      const a = await spawn('a');
      const b = await spawn('b');
      stack.sim.injectFaults([{ kind: 'status', status: 429, retryAfterSeconds: 3600 }]);
      const first = await execute(stack.url, 'send_to_instance', { instance_id: a, message: 'Plan the migration.' });
      expect(first.status).toBe(503);

      const refused = await execute(stack.url, 'send_to_instance', { instance_id: b, message: 'Summarise it.', timeout_seconds: 5 });
      expect(refused.status).toBe(503);
      const seconds = Number(refused.headers['retry-after']);
      expect(seconds).toBeGreaterThan(5);
      expect(seconds).toBeLessThanOrEqual(600);
      expect(refused.json()).toMatchObject({
        isError: true,
        structuredContent: { error: { code: 'backend_unavailable', message: expect.stringMatching(/retry-after 3600 s.*Try again after \d\d:\d\d:\d\d UTC/), details: { not_sent: true } } },
      });

      const client = await connectClient(stack.url);
      const viaMcp = await client.callTool({ name: 'send_to_instance', arguments: { instance_id: b, message: 'Again.', timeout_seconds: 5 } });
      expect(viaMcp.isError).toBe(true);
      expect(viaMcp.structuredContent).toMatchObject({ error: { code: 'backend_unavailable', details: { not_sent: true, api_retry_after_seconds: 3600 } } });
      await client.close();

      // Neither refusal reached the API or counted against b's health.
      expect(stack.sim.requests).toHaveLength(1);
      const view = (await rawRequest(stack.url, `/instances/${b}`)).json() as S;
      expect(view).toMatchObject({ consecutive_failures: 0, health_score: 100 });
    } finally {
      await stack.close();
    }
  });
});
