import type { ToolCase } from './tool-arbitraries.js';

/** Tools whose call runs turns on the instances it names. */
const TURN_TOOLS = new Set(['send_to_instance', 'coordinate_instances']);
/** Turns a coordination may run on one participant (consensus: up to 3 rounds). */
const TURNS_PER_PARTICIPANT = 3;
const NO_INSTANCE = `inst_${'0'.repeat(32)}`;
const NO_TASK = `task_${'0'.repeat(32)}`;
const KEEP_IDS = 30;

export interface WorldOptions {
  /** The git repository claude-code spawns work in, and a directory inside it. */
  readonly repository: { readonly root: string; readonly sub: string };
  /** claude-code spawns that may start an agent (the real CLI), in the whole run. */
  readonly agentSpawns: number;
  /** claude-code instances alive at once. */
  readonly liveAgents: number;
  /** Turns the real CLI may run, in the whole run (a send is one; a coordination counts 3 per agent). */
  readonly agentTurns: number;
}

/** A case with its placeholders replaced by what the server issued. */
export interface PreparedCall {
  readonly tool: string;
  readonly args: unknown;
  readonly intent: ToolCase['intent'];
}

type Json = Record<string, unknown>;

/**
 * What the fuzzed server has issued so far (live and ended instances with their backend, task ids), so
 * generated calls name real things; and the ration of claude-code work, so a run never starts more than a
 * handful of real agents. A claude-code spawn past the ration becomes an api spawn (the rest of its
 * arguments unchanged); a turn past it goes to an api instance.
 */
export class FuzzWorld {
  readonly #live = new Map<string, string>();
  readonly #dead: string[] = [];
  readonly #tasks: string[] = [];
  #agentSpawns: number;
  #agentTurns: number;
  /** claude-code instances the server spawned (a real agent started for each). */
  agentsSpawned = 0;

  constructor(private readonly options: WorldOptions) {
    this.#agentSpawns = options.agentSpawns;
    this.#agentTurns = options.agentTurns;
  }

  /** claude-code spawns and turns used so far. */
  get agentWork(): { spawns: number; turns: number } {
    return { spawns: this.options.agentSpawns - this.#agentSpawns, turns: this.options.agentTurns - this.#agentTurns };
  }

  get liveIds(): string[] {
    return [...this.#live.keys()];
  }

  /** The backend of a live instance. */
  backendOf(id: unknown): string | undefined {
    return typeof id === 'string' ? this.#live.get(id) : undefined;
  }

  get taskIds(): string[] {
    return [...this.#tasks];
  }

  prepare(c: ToolCase): PreparedCall {
    let args = c.args;
    if (c.startsAgent) {
      const liveAgents = [...this.#live.values()].filter((b) => b === 'claude-code').length;
      if (this.#agentSpawns > 0 && liveAgents < this.options.liveAgents) this.#agentSpawns--;
      else args = asApiSpawn(args as Json);
    }
    const used = new Set<string>();
    const resolved = this.#resolve(args, TURN_TOOLS.has(c.tool) ? (c.tool === 'send_to_instance' ? 1 : TURNS_PER_PARTICIPANT) : 0, used);
    return { tool: c.tool, args: resolved, intent: c.intent };
  }

  /** Learns from a successful result: new instances and tasks, ended instances. */
  remember(tool: string, result: Json): void {
    const id = result['instance_id'];
    if (tool === 'spawn_claude' && typeof id === 'string') {
      this.#live.set(id, String(result['backend']));
      if (result['backend'] === 'claude-code') this.agentsSpawned++;
    }
    if (tool === 'terminate_instance' && typeof id === 'string') {
      for (const gone of [id, ...((result['terminated_children'] as string[] | undefined) ?? [])]) this.#end(gone);
    }
    if (tool === 'get_instance_status' && typeof id === 'string') this.#noteState(id, result['state']);
    if (tool === 'list_instances') for (const i of (result['instances'] as Json[] | undefined) ?? []) this.#noteState(String(i['instance_id']), i['state']);
    const taskId = result['task_id'];
    if (typeof taskId === 'string' && !this.#tasks.includes(taskId)) {
      this.#tasks.push(taskId);
      if (this.#tasks.length > KEEP_IDS) this.#tasks.shift();
    }
  }

  #noteState(id: string, state: unknown): void {
    if (state === 'terminated' || state === 'failed') this.#end(id);
  }

  #end(id: string): void {
    if (!this.#live.delete(id)) return;
    this.#dead.push(id);
    if (this.#dead.length > KEEP_IDS) this.#dead.shift();
  }

  #resolve(value: unknown, turnCost: number, used: Set<string>): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#resolve(v, turnCost, used));
    if (value === null || typeof value !== 'object') return value;
    const v = value as Json;
    if (typeof v['$inst'] === 'number') return this.#instance(v['$inst'], v['distinct'] === true, v['cc'] === true, turnCost, used);
    if (typeof v['$task'] === 'number') return pick(this.#tasks, v['$task']) ?? NO_TASK;
    if (typeof v['$dead'] === 'number') return pick(this.#dead, v['$dead']) ?? NO_INSTANCE;
    if (v['$repo'] === 'root' || v['$repo'] === 'sub') return this.options.repository[v['$repo']];
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, this.#resolve(inner, turnCost, used)]));
  }

  #instance(n: number, distinct: boolean, cc: boolean, turnCost: number, used: Set<string>): string {
    // A turn on a claude-code instance runs the real CLI: only for some refs (1 in 5), while the ration lasts.
    const agentTurn = turnCost > 0 && cc && n % 5 === 0 && this.#agentTurns >= turnCost;
    const pool = [...this.#live].filter(([id, backend]) => (turnCost === 0 || backend !== 'claude-code' || agentTurn) && !(distinct && used.has(id)));
    const preferred = agentTurn ? pool.filter(([, backend]) => backend === 'claude-code') : [];
    const choice = pick(preferred.length > 0 ? preferred : pool, n)?.[0] ?? NO_INSTANCE;
    if (this.#live.get(choice) === 'claude-code' && turnCost > 0) this.#agentTurns -= turnCost;
    used.add(choice);
    return choice;
  }
}

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length > 0 ? items[n % items.length] : undefined;
}

function asApiSpawn(args: Json): Json {
  const { repository: _repository, permissions: _permissions, ...rest } = args;
  return { ...rest, backend: 'api' };
}
