import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createOrchestrator, OrchestratorError } from './index.js';
import { startSimulator, type RunningSimulator } from './simulator/simulator.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('the library API', () => {
  it('does what the README example shows, with settings from env and config', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const manager = createOrchestrator({
      env: { ANTHROPIC_API_KEY: 'secret-key-123', ANTHROPIC_BASE_URL: sim.url, WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'lib-ws-')) },
      config: { maxInstances: 5, maxTokensPerInstance: 200_000 },
      logger: createLogger('debug', sink),
    });
    const { instance_id } = await manager.spawnInstance({
      name: 'React Developer',
      role: 'frontend_developer',
      system_prompt: 'You are a React expert specializing in TypeScript and modern UI patterns.',
      max_total_tokens: 50_000,
      max_cost: 10,
      timeout_minutes: 30,
    });
    const { reply, usage, cost_usd } = await manager.sendToInstance({ instance_id, message: 'Create a responsive navigation component with dropdown menus' });
    expect(reply).toMatch(/frontend/i);
    expect(usage.total_tokens).toBeGreaterThan(0);
    expect(cost_usd).toBeGreaterThan(0);
    const status = await manager.getInstanceStatus({ instance_id });
    expect(status.usage.total_tokens).toBe(usage.total_tokens);
    expect(status.limits).toEqual({ max_total_tokens: 50_000, max_cost_usd: 10, timeout_minutes: 30 });
    expect((await manager.getInstanceOutput({ instance_id, limit: 20 })).total).toBe(2);
    const architect = await manager.spawnInstance({ name: 'System Architect', role: 'architect' });
    const backend = await manager.spawnInstance({ name: 'Backend Dev', role: 'backend_developer' });
    const progress: string[] = [];
    const run = (await manager.coordinateInstances(
      { coordinator_id: architect.instance_id, participant_ids: [instance_id, backend.instance_id], task_description: 'Build a real-time chat application', coordination_type: 'parallel' },
      { report: (p) => p.message !== undefined && progress.push(p.message) },
    )) as { success: boolean; final_answer: string | null };
    expect(run.success).toBe(true);
    expect(run.final_answer).toBeTruthy();
    expect(progress.length).toBeGreaterThan(0);
    await manager.terminateInstance({ instance_id });
    await expect(manager.sendToInstance({ instance_id, message: 'x' })).rejects.toBeInstanceOf(OrchestratorError);
    await manager.close();

    const log = lines.join('');
    expect(log).toContain(instance_id);
    expect(log).toContain('instance terminated');
    expect(log).not.toContain('secret-key-123');
  });

  it('redacts secret-looking fields wherever they are logged', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    createLogger('INFO', sink).info({ apiKey: 'sk-ant-1', config: { apiKey: 'sk-ant-2' }, authorization: 'Bearer t' }, 'hello');
    expect(lines.join('')).not.toMatch(/sk-ant-|Bearer t/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
