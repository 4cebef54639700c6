import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { rawRequest } from '../test-support/http.js';
import { orchestratorFixture } from '../test-support/orchestrator-fixture.js';
import { startHttpServer } from './http-server.js';
import { isHealthProbe } from './request-gate.js';

describe('/health has a rate-limit bucket of its own', () => {
  it('answers liveness probes while a flood of other anonymous requests is being refused with 429', async () => {
    const { orchestrator } = orchestratorFixture();
    // The clock stands still: no bucket refills, however slow the machine.
    const stack = await startHttpServer({ orchestrator, logger: silentLogger(), host: '127.0.0.1', port: 0, backends: {}, security: { rateLimitPerMinute: 3 }, now: () => 0 });
    try {
      const flood: number[] = [];
      for (let i = 0; i < 8; i++) flood.push((await rawRequest(stack.url, '/instances')).status);
      expect(flood.slice(0, 3)).toEqual([200, 200, 200]);
      expect(flood.slice(3).every((s) => s === 429)).toBe(true);

      // The probe's bucket is untouched by the flood, for GET and HEAD alike.
      expect((await rawRequest(stack.url, '/health')).status).toBe(200);
      expect((await rawRequest(stack.url, '/health', { method: 'HEAD' })).status).toBe(200);
      // Still the others are refused: the probes gave the flood nothing back.
      expect((await rawRequest(stack.url, '/tools')).status).toBe(429);

      // A flood of /health itself is limited in its own bucket (RATE_LIMIT_PER_MINUTE per address), and
      // does not spill onto other routes either.
      const probes: number[] = [];
      for (let i = 0; i < 3; i++) probes.push((await rawRequest(stack.url, '/health/')).status);
      expect(probes).toEqual([200, 429, 429]);
    } finally {
      await stack.close();
      await orchestrator.close();
    }
  });

  it('counts only GET and HEAD of /health as probes', () => {
    expect(isHealthProbe('GET', '/health')).toBe(true);
    expect(isHealthProbe('HEAD', '/health//')).toBe(true);
    expect(isHealthProbe('POST', '/health')).toBe(false);
    expect(isHealthProbe('GET', '/healthz')).toBe(false);
    expect(isHealthProbe(undefined, '/health')).toBe(false);
  });
});
