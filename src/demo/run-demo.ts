import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HierarchicalResult } from '../coordination/hierarchical.js';
import { loadConfig } from '../config/load-config.js';
import { createOrchestrator } from '../library.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { runAgentStep } from './agent-step.js';
import { DEMO_SCRIPT } from './demo-script.js';
import { extractFiles, writeFiles } from './extract-files.js';
import { renderSummary, renderTree } from './render.js';

export interface DemoOptions {
  /** Where the app's files go; default ./demo-output/task-app-<timestamp>. */
  readonly outDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly write?: (line: string) => void;
  /** Also ask a Claude Code agent to write a file (default true; skipped by itself when the CLI can't run). */
  readonly agent?: boolean;
}

const TASK =
  'Build a small task-management web app: a JSON API to list, add, complete and delete tasks, and a single-page UI that uses it. ' +
  'Keep it dependency-free (Node.js built-ins and plain browser JavaScript). Give every file as a fenced code block preceded by its relative path on its own line.';

/**
 * The integration demo: an architect, a backend developer and a frontend developer build a task app with a
 * hierarchical run; then a Claude Code agent writes a file in its workspace (when the CLI can run here).
 * Without ANTHROPIC_API_KEY it runs on the bundled simulator and says so first.
 */
export async function runDemo(options: DemoOptions = {}): Promise<{ outDir: string; files: string[]; result: HierarchicalResult; agentFiles: readonly string[] }> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const offline = !env['ANTHROPIC_API_KEY'];
  let sim: RunningSimulator | undefined;
  if (offline) {
    write('OFFLINE DEMO: no ANTHROPIC_API_KEY is set, so this runs against the bundled local Messages-API simulator with scripted replies (no real model). Set ANTHROPIC_API_KEY to run it for real.');
    sim = await startSimulator({ script: DEMO_SCRIPT });
  } else {
    write(`LIVE DEMO: real Claude instances through the Messages API${env['ANTHROPIC_BASE_URL'] ? ` at ${env['ANTHROPIC_BASE_URL']}` : ''}; this spends tokens.`);
  }
  const started = Date.now();
  const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const config = loadConfig(env, {}, {
    workspaceDir: mkdtempSync(join(tmpdir(), 'orchestrator-demo-')),
    ...(sim ? { apiKey: 'simulator', baseUrl: sim.url } : {}),
  });
  const orchestrator = createOrchestrator({ config, env: {} });
  try {
    const spawn = (name: string, role: 'architect' | 'backend_developer' | 'frontend_developer') =>
      orchestrator.spawnInstance({ name, role, max_total_tokens: 200_000 });
    const architect = await spawn('Ada', 'architect');
    const backend = await spawn('Bo', 'backend_developer');
    const frontend = await spawn('Cy', 'frontend_developer');
    write(`${clock()}  spawned ${architect.name}, ${backend.name}, ${frontend.name}`);
    write(`${clock()}  hierarchical run: the architect plans, the developers build, the architect integrates`);

    const plan = await orchestrator.prepareCoordination({
      coordinator_id: architect.instance_id,
      participant_ids: [backend.instance_id, frontend.instance_id],
      task_description: TASK,
      coordination_type: 'hierarchical',
    });
    const result = (await orchestrator.runCoordination(plan, { report: (u) => u.message !== undefined && write(`${clock()}  ${u.message}`) })) as HierarchicalResult;

    const outDir = resolve(options.outDir ?? join('demo-output', `task-app-${new Date(started).toISOString().replace(/[:.]/g, '-')}`));
    const replies = [...result.subtasks.map((s) => s.reply ?? ''), result.final_answer ?? ''];
    const files = await writeFiles(outDir, replies.flatMap(extractFiles));
    write('');
    write(`Deliverables (${files.length} files) in ${outDir}:`);
    for (const file of files) write(`  ${file}`);
    write('');
    const agent = options.agent === false ? undefined : await runAgentStep(orchestrator, config, outDir, write);
    write('');
    write('Coordination tree:');
    for (const line of renderTree(result)) write(line);
    write('');
    const ids = [architect.instance_id, backend.instance_id, frontend.instance_id, ...(agent ? [agent.instanceId] : [])];
    const statuses = await Promise.all(ids.map((id) => orchestrator.getInstanceStatus({ instance_id: id })));
    for (const line of renderSummary(statuses, await orchestrator.totals())) write(line);
    write('');
    write(result.success ? `Done in ${clock().trim()}: ${result.summary}` : `The run did not fully succeed: ${result.summary}`);
    return { outDir, files, result, agentFiles: agent?.copied ?? [] };
  } finally {
    await orchestrator.close();
    await sim?.close();
  }
}
