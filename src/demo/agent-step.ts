import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveClaudeExecutable } from '../backends/claude-code/claude-executable.js';
import type { Config } from '../config/load-config.js';
import { errorMessage } from '../domain/errors.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { isSafeRelative, writeFiles } from './extract-files.js';

/** What the agent is asked: one file with given content, which the simulator turns into a Write call. */
export const AGENT_FILE = 'USAGE.md';
const AGENT_MESSAGE = `Create ${AGENT_FILE} containing "Run node server/server.js, then open http://localhost:3000 to list, add, complete and delete tasks."`;

export interface AgentStepResult {
  readonly instanceId: string;
  /** Workspace-relative paths the agent's turn changed, as the orchestrator reported them. */
  readonly changedFiles: readonly string[];
  /** Where those files were copied, inside the demo's output directory. */
  readonly copied: readonly string[];
}

/**
 * A real Claude Code agent (the CLI this project depends on) writes a file in its own workspace with its
 * Write tool; the turn's `changed_files` names it, and the file is copied next to the app. Skipped, with
 * the reason, when the CLI can't run here: the demo never depends on it.
 */
export async function runAgentStep(orchestrator: Orchestrator, config: Config, outDir: string, write: (line: string) => void): Promise<AgentStepResult | undefined> {
  try {
    resolveClaudeExecutable(config.claudeCodeExecutable);
  } catch (error) {
    write(`Skipping the Claude Code agent: ${errorMessage(error)}`);
    return undefined;
  }
  const agent = await orchestrator.spawnInstance({ name: 'Dee', role: 'documentation_writer', backend: 'claude-code', max_total_tokens: 200_000 });
  write(`Then a real Claude Code agent, ${agent.name} (documentation_writer, backend claude-code), is asked: ${AGENT_MESSAGE}`);
  const turn = await orchestrator.sendToInstance({ instance_id: agent.instance_id, message: AGENT_MESSAGE });
  const changed = turn.changed_files ?? [];
  const status = await orchestrator.getInstanceStatus({ instance_id: agent.instance_id });
  const inside = changed.filter(isSafeRelative);
  const files = await Promise.all(inside.map(async (path) => ({ path, content: await readFile(join(status.workspace, path), 'utf8') })));
  const copied = await writeFiles(outDir, files);
  write(`Its turn used ${turn.tool_calls?.map((c) => c.name).join(', ') || 'no tools'}; changed_files: ${changed.join(', ') || '(none)'} in ${status.workspace}`);
  for (const file of copied) write(`  copied to ${file}`);
  return { instanceId: agent.instance_id, changedFiles: changed, copied };
}
