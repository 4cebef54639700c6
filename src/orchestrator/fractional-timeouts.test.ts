import { afterEach, describe, expect, it } from 'vitest';
import { secondsToTimerMs } from '../domain/timer-ms.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';

// Found by the fuzz through the real stack (mcp-fuzz.test.ts): a fractional timeout_seconds, which the schema
// accepts, reached AbortSignal.timeout as fractional milliseconds, which throws, so the call failed as `internal`.
let fx: Fixture;
afterEach(async () => {
  await fx.orchestrator.close();
});

describe('fractional timeouts', () => {
  it('a send with timeout_seconds 1.2345 runs its turn', async () => {
    fx = orchestratorFixture();
    const { instance_id } = await fx.orchestrator.spawnInstance({ name: 'worker' });
    const result = await fx.orchestrator.sendToInstance({ instance_id, message: 'hi', timeout_seconds: 1.2345 });
    expect(result.reply).toEqual(expect.any(String));
  });

  it('a coordination with timeout_seconds 2.0000000001 runs', async () => {
    fx = orchestratorFixture();
    const a = await fx.orchestrator.spawnInstance({ name: 'a' });
    const b = await fx.orchestrator.spawnInstance({ name: 'b' });
    const result = await fx.orchestrator.coordinateInstances({ participant_ids: [a.instance_id, b.instance_id], task_description: 'x', coordination_type: 'parallel', timeout_seconds: 2.0000000001 });
    expect(result).toMatchObject({ success: true });
  });

  it('rounds up to whole milliseconds, so a timer never fires early', () => {
    expect(secondsToTimerMs(1.5)).toBe(1500);
    expect(secondsToTimerMs(0.0010000000000000022)).toBe(2);
    expect(secondsToTimerMs(0.0001)).toBe(1);
    expect(() => AbortSignal.timeout(secondsToTimerMs(11.179038232624142 / 1000))).not.toThrow();
  });
});
