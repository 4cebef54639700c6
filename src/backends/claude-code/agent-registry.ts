import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../observability/logger.js';
import { killTree } from './kill-tree.js';
import { processState, type ProcessIdentity } from './process-identity.js';

/** The environment variable that marks an agent and everything it starts (see process-table.ts). */
export const AGENT_MARKER_ENV = 'CLAUDE_ORCHESTRATOR_AGENT';

const identitySchema = z.object({ host: z.string(), pid: z.number().int().positive(), startTime: z.string() });

/** One agent process, written when it starts and deleted when it ends. Versioned: other servers read it. */
const recordSchema = z.object({
  version: z.literal(1),
  agent: identitySchema,
  /** The server that started the agent; only when it is gone may another server end the agent. */
  owner: identitySchema,
  marker: z.string().min(16),
  instanceId: z.string(),
  startedAt: z.string(),
});

export type AgentRecord = z.infer<typeof recordSchema>;

export interface ReapReport {
  /** Agents (pids) whose owner was gone and that were ended (or had ended already): their records are deleted. */
  readonly reaped: readonly number[];
  /** Records left alone: their owner still runs, or lives on another host. */
  readonly kept: number;
}

/**
 * The agents every server on one WORKSPACE_DIR has running, one file each under `<dir>/<pid>-<start>.json`.
 * A server that died without cleaning up (kill -9) leaves its records; the next server to start ends
 * those agents. Records of live servers are never touched, so several servers can share the directory.
 */
export class AgentRegistry {
  constructor(
    private readonly dir: string,
    private readonly owner: ProcessIdentity,
    private readonly log: Logger,
  ) {}

  /** Written synchronously right after spawn: a server killed a moment later still leaves the record behind. */
  add(record: Omit<AgentRecord, 'version' | 'owner'>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const full: AgentRecord = { version: 1, owner: this.owner, ...record };
    const path = this.#path(record.agent);
    // Write then rename, so a reader never sees half a record.
    writeFileSync(`${path}.tmp`, JSON.stringify(full), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  remove(agent: ProcessIdentity): void {
    rmSync(this.#path(agent), { force: true });
  }

  /** Ends the agents whose owning server is gone, with everything they started, and deletes their records. */
  async reapOrphans(graceMs: number): Promise<ReapReport> {
    const reaped: number[] = [];
    let kept = 0;
    for (const record of this.#records()) {
      if (processState(record.owner) !== 'gone') {
        kept++;
        continue;
      }
      if (!(await this.#end(record, graceMs))) {
        kept++;
        continue;
      }
      reaped.push(record.agent.pid);
      this.log.info({ instanceId: record.instanceId, pid: record.agent.pid, ownerPid: record.owner.pid }, 'ended an agent whose server is gone');
    }
    return { reaped, kept };
  }

  /**
   * Ends this server's own agents now, with everything they started, and deletes their records: a forced
   * shutdown (a second SIGINT/SIGTERM) that will not wait for the sessions to stop them. Returns their pids.
   */
  async endOwn(graceMs: number): Promise<number[]> {
    const own = this.#records().filter((r) => r.owner.host === this.owner.host && r.owner.pid === this.owner.pid && r.owner.startTime === this.owner.startTime);
    const ended = await Promise.all(own.map(async (record) => ((await this.#end(record, graceMs)) ? record.agent.pid : undefined)));
    return ended.filter((pid) => pid !== undefined);
  }

  /** Ends one recorded agent and what it started; deletes its record once nothing of it is left. */
  async #end(record: AgentRecord, graceMs: number): Promise<boolean> {
    const agentAlive = processState(record.agent) === 'alive';
    // A reused pid is someone else's process: then only the marked leftovers are ours to end.
    const left = await killTree({ ...(agentAlive ? { pid: record.agent.pid } : {}), marker: { name: AGENT_MARKER_ENV, value: record.marker } }, graceMs);
    if (left.length > 0) {
      this.log.warn({ instanceId: record.instanceId, pid: record.agent.pid, left }, 'agent processes survived SIGKILL');
      return false;
    }
    this.remove(record.agent);
    return true;
  }

  #records(): AgentRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => /^\d+-[\w.:-]*\.json$/.test(name));
    } catch (error) {
      // No directory yet: no agent was ever recorded here.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: AgentRecord[] = [];
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(join(this.dir, name), 'utf8');
      } catch (error) {
        // Another server removed it between the listing and the read.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const parsed = recordSchema.safeParse(safeJson(text));
      if (parsed.success) out.push(parsed.data);
      else this.log.warn({ file: name }, 'unreadable agent record left alone (another version of the server may own it)');
    }
    return out;
  }

  /** `<pid>-<start time>.json`: a reused pid never overwrites or deletes another agent's record. */
  #path(agent: ProcessIdentity): string {
    return join(this.dir, `${agent.pid}-${agent.startTime.replace(/[^\w.:-]/g, '_')}.json`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Not JSON: the schema check that follows reports it as unreadable.
    return error;
  }
}
