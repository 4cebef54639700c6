import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, bareEnv, startBin } from '../test-support/bin.js';
import { drawRandomFault } from './random-faults.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const run = promisify(execFile);
const BODY = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });

/** One messages request: its status, or 'reset' when the connection was cut before any answer. */
async function post(url: string): Promise<number | 'reset'> {
  try {
    const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'reset';
  }
}

/** A repeating sequence standing in for Math.random. */
const cycle = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
};

describe('simulator: random faults (--fault-rate)', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('draws nothing at rate 0, and each of 429, 529, 500 and reset when the draw falls under the rate', () => {
    expect(drawRandomFault(undefined)).toBeUndefined();
    expect(drawRandomFault({ rate: 0, random: () => 0 })).toBeUndefined();
    expect(drawRandomFault({ rate: 0.1, random: () => 0.5 })).toBeUndefined();
    const drawn = [0, 0.3, 0.6, 0.9].map((pick) => drawRandomFault({ rate: 0.1, random: cycle([0.05, pick]) }));
    expect(drawn.map((f) => (f?.kind === 'status' ? f.status : f?.kind))).toEqual([429, 529, 500, 'reset']);
  });

  it('answers a share of real requests with those faults, recorded as random, after any queued fault', async () => {
    // Every request faulted; the kind cycles 429, 529, 500, reset.
    sim = await startSimulator({ randomFaults: { rate: 1, random: cycle([0, 0, 0, 0.3, 0, 0.6, 0, 0.9]) } });
    sim.injectFaults([{ kind: 'status', status: 504 }]);
    const outcomes: (number | 'reset')[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await post(sim.url));
    expect(outcomes).toEqual([504, 429, 529, 500, 'reset']);
    expect(sim.requests.map((r) => r.fault?.source)).toEqual(['queue', 'random', 'random', 'random', 'random']);
  });

  it('the bin takes --fault-rate: 1 faults every request, a value outside 0..1 is refused with a clear line', async () => {
    const bad = await run(process.execPath, [BIN, 'simulator', '--fault-rate', '2'], { env: bareEnv() }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/--fault-rate takes a number from 0 to 1, got "2"/);

    const bin = startBin(['simulator', '--port', '0', '--fault-rate', '1'], bareEnv());
    const url = await bin.url;
    for (let i = 0; i < 4; i++) expect([429, 529, 500, 'reset']).toContain(await post(url));
    bin.child.kill('SIGTERM');
    expect(await bin.exited).toBe(0);
  });
});
