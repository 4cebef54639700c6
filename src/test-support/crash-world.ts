import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../simulator/simulator.js';
import { bareEnv, startBin, type RunningBin } from './bin.js';
import { auditStore, type Audit } from './crash-audit.js';
import { processesUnder } from './process-scan.js';

type S = Record<string, any>;

export interface CallResult {
  readonly status: number;
  readonly body: S;
}

/** Generous: a loaded machine may be slow, never wrong. */
const SETTLE_MS = 60_000;

/**
 * One store (a WORKSPACE_DIR) that servers of the real bin run on, one after another, each ended by `kill -9`;
 * it remembers every acknowledged user message, and `restartAndCheck` proves the crash matrix's invariants on
 * the next server (crash-matrix.test.ts).
 */
export class CrashWorld {
  readonly workspace = realpathSync(mkdtempSync(join(tmpdir(), 'crash-')));
  readonly acked = new Map<string, Set<string>>();
  kills = 0;
  interrupted = 0;
  #server: RunningBin | undefined;
  #url = '';

  constructor(
    readonly sim: RunningSimulator,
    readonly extraEnv: Record<string, string> = {},
  ) {}

  get url(): string {
    return this.#url;
  }

  get server(): RunningBin | undefined {
    return this.#server;
  }

  /** Starts a server; `pauseAt` makes it stop for ever at that point (durability/pause-point.ts). */
  async start(pauseAt?: string): Promise<void> {
    const env = bareEnv({
      WORKSPACE_DIR: this.workspace,
      ANTHROPIC_API_KEY: 'sim',
      ANTHROPIC_BASE_URL: this.sim.url,
      LOG_LEVEL: 'info',
      MAX_TOKENS_PER_INSTANCE: '10000000',
      ...this.extraEnv,
      ...(pauseAt ? { ORCHESTRATOR_TEST_PAUSE_AT: pauseAt } : {}),
    });
    this.#server = startBin(['--port', '0', '--host', '127.0.0.1'], env);
    this.#url = await this.#server.url;
  }

  /** Resolves once the server wrote `paused at <point>`. */
  async paused(point: string): Promise<void> {
    const server = this.#server;
    if (!server) throw new Error('no server');
    await waitFor(() => server.stderr().includes(`paused at ${point}`), `the server to pause at ${point}`);
  }

  async kill(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.child.kill('SIGKILL');
    await server.exited;
    this.#server = undefined;
    this.kills += 1;
  }

  /** Ends the server gracefully (SIGTERM), to start the next one with a pause point; not a kill. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.child.kill('SIGTERM');
    await server.exited;
    this.#server = undefined;
  }

  async call(tool: string, args: S): Promise<CallResult> {
    const res = await fetch(`${this.#url}/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool, arguments: args }) });
    return { status: res.status, body: (await res.json()) as S };
  }

  async ok(tool: string, args: S): Promise<S> {
    const r = await this.call(tool, args);
    if (r.status !== 200) throw new Error(`${tool} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body['structuredContent'] as S;
  }

  /** A send that returned its reply: its message is acknowledged. */
  ack(instanceId: string, message: string): void {
    const set = this.acked.get(instanceId) ?? new Set<string>();
    set.add(message);
    this.acked.set(instanceId, set);
  }

  /**
   * Starts the next server on the same store (no pause point) and checks every invariant once its recovery
   * ran: no process of the workspace left but the server, no task working, every hold released, charges equal
   * to what the messages record and the totals to their sum, every acknowledged message kept, every instance
   * idle or ended with a reason, and `usable` idle instances answering a send. Returns the last audit.
   */
  async restartAndCheck(usable = 2): Promise<Audit> {
    await this.start();
    const server = this.#server as RunningBin;
    const strays = () => processesUnder(this.workspace).filter((p) => p.pid !== server.child.pid);
    await waitFor(() => strays().length === 0, () => `no process of the workspace left: ${JSON.stringify(strays())}`);
    await waitFor(async () => ((await (await fetch(`${this.#url}/tasks?state=working`)).json()) as S)['tasks'].length === 0, 'no task left working');
    let audit = auditStore(this.workspace);
    await waitFor(() => (audit = auditStore(this.workspace)).problems.length === 0, () => `store invariants: ${audit.problems.join('; ')}`);
    for (const [id, messages] of this.acked) {
      const kept = new Set(audit.userMessages(id));
      const lost = [...messages].filter((m) => !kept.has(m));
      if (lost.length > 0) throw new Error(`acknowledged messages lost on ${id}: ${lost.join(', ')}`);
    }
    this.interrupted = audit.interrupted;
    const idle = usable > 0 ? audit.instances.filter((i) => i.state === 'idle').slice(-usable) : [];
    for (const instance of idle) {
      const message = `still there? ${this.kills}`;
      const answer = await this.ok('send_to_instance', { instance_id: instance.id, message });
      if (typeof answer['reply'] !== 'string') throw new Error(`send to ${instance.id} gave no reply: ${JSON.stringify(answer)}`);
      this.ack(instance.id, message);
    }
    return audit;
  }
}

/** Polls `condition` until it holds; throws with `what` after SETTLE_MS. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    let last: unknown;
    try {
      if (await condition()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
