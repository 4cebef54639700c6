import { randomBytes, randomUUID } from 'node:crypto';
import { OrchestratorError } from '../../domain/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { AgentHome, sessionIdFor } from './agent-home.js';
import { agentArgs, agentEnv } from './agent-launch.js';
import { AgentModelRoute } from './agent-model-route.js';
import { AgentProcess } from './agent-process.js';
import { AGENT_MARKER_ENV, type AgentRegistry } from './agent-registry.js';
import { abortReason, runAgentTurn, type AgentTurnOutcome } from './agent-turn.js';
import { parseBackendState } from './backend-state.js';
import { changeTracker, type ChangeTracker, type WorkspaceSnapshot } from './changed-files.js';
import type { FileEvidence } from '../../evidence/types.js';
import { releaseInstance } from './instance-release.js';
import type { ModelProxy } from './model-proxy.js';
import { DEFAULT_PERMISSION_POLICY, type PermissionPolicy } from './permission-policy.js';
import { sessionOptions } from './session-options.js';
import { interruptLine } from './stream-json.js';
import { processStartTime, type ProcessIdentity } from './process-identity.js';
import { toTurnResult } from './turn-result.js';
import { ensureWorktree, validateRepository, worktreeBranch } from './worktree.js';

export interface SessionTimings {
  /** An agent idle this long is stopped (parked); its next turn resumes the session in a new process. */
  readonly idleMs: number;
  /** How long a stopped agent gets to exit on its own after its input ends. */
  readonly exitGraceMs: number;
  /** SIGTERM to SIGKILL. */
  readonly killGraceMs: number;
  /** How long a permission question may wait for the user. */
  readonly permissionTimeoutMs: number;
}

export interface SessionDeps {
  readonly spec: SessionSpec;
  readonly executable: string;
  /** Where the agent's model calls go: each is held against the turn's budget there. */
  readonly proxy: ModelProxy;
  readonly sourceEnv: Readonly<Record<string, string | undefined>>;
  readonly registry: AgentRegistry;
  readonly host: ProcessIdentity['host'];
  readonly agentsDir: string;
  readonly timings: SessionTimings;
  readonly log: Logger;
  readonly now: () => number;
  /** Called once the session is closed, so the backend stops tracking it. */
  readonly onClosed: (session: ClaudeCodeSession) => void;
}

/** Where an instance's agent stands: a live process (warm), being stopped (parking), none (parked), or ended. */
export type AgentState = 'warm' | 'parking' | 'parked' | 'closed';

/**
 * One instance as a Claude Code agent: a warm process across turns, parked after `idleMs` and resumed on
 * the next turn, in its own workspace (a directory or a git worktree), supervised to the last process.
 */
export class ClaudeCodeSession implements Session {
  readonly #deps: SessionDeps;
  readonly #home: AgentHome;
  readonly #sessionId: string;
  readonly #policy: PermissionPolicy;
  readonly #tracker: ChangeTracker;
  readonly #repository: string | undefined;
  #agent: AgentProcess | undefined;
  /** The transcript as our agent saw it at its start and after each of its turns (see AgentHome.transcript). */
  #transcript: string | undefined;
  #parking: Promise<void> | undefined;
  #idle: NodeJS.Timeout | undefined;
  #busy = false;
  #closing: Promise<void> | undefined;
  /** The agent's way to the model, through the proxy, held against the running turn. */
  readonly #route: AgentModelRoute;

  private constructor(deps: SessionDeps, repository: string | undefined, policy: PermissionPolicy) {
    this.#deps = deps;
    this.#home = new AgentHome(deps.agentsDir, deps.spec.instanceId);
    this.#sessionId = parseBackendState(deps.spec.backendState)?.sessionId ?? sessionIdFor(deps.spec.instanceId);
    this.#policy = policy;
    this.#repository = repository;
    this.#tracker = changeTracker(deps.spec.workspace, repository !== undefined ? this.#home.snapshotIndexFile : undefined);
    this.#route = new AgentModelRoute(deps.proxy, deps.spec.instanceId, () => this.#agent?.write(interruptLine(randomUUID())));
  }

  /** Prepares the agent's home and workspace and starts its process, so the first turn finds it warm. */
  static async open(deps: SessionDeps): Promise<ClaudeCodeSession> {
    const options = sessionOptions(deps.spec.options);
    const repository = options.repository !== undefined ? await validateRepository(options.repository) : undefined;
    if (repository !== undefined) await ensureWorktree(repository, deps.spec.workspace, worktreeBranch(deps.spec.instanceId));
    const session = new ClaudeCodeSession(deps, repository, options.permissions ?? DEFAULT_PERMISSION_POLICY);
    try {
      await session.#home.prepare(deps.spec.systemPrompt);
      await session.#ensureAgent();
    } catch (error) {
      await session.close();
      throw error;
    }
    session.#armIdle();
    return session;
  }

  get state(): AgentState {
    if (this.#closing) return 'closed';
    if (this.#agent?.running) return 'warm';
    return this.#parking ? 'parking' : 'parked';
  }

  /** The live agent's pid, if any (for status and tests). */
  get agentPid(): number | undefined {
    return this.#agent?.running ? this.#agent.pid : undefined;
  }

  get instanceId(): string {
    return this.#deps.spec.instanceId;
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  async turn(input: TurnInput, options: TurnOptions): Promise<TurnResult> {
    if (this.#closing) throw new OrchestratorError('invalid_state', `The agent of instance ${this.#deps.spec.instanceId} has been stopped.`);
    if (this.#busy) throw new OrchestratorError('invalid_state', `Instance ${this.#deps.spec.instanceId} is already running a turn.`);
    if (input.tools !== undefined && input.tools.length > 0) {
      throw new OrchestratorError('invalid_input', 'Delegation tools are not available to claude-code instances; spawn them without allow_delegation.');
    }
    // Already cancelled: say so without touching the warm agent.
    if (options.signal.aborted) throw abortReason(options.signal);
    this.#busy = true;
    this.#clearIdle();
    this.#route.begin(options.calls, options.signal, options.onEvent);
    const started = this.#deps.now();
    try {
      await this.#parking;
      await this.#dropIfStale();
      const before = await this.#snapshot();
      const agent = await this.#ensureAgent();
      let outcome: AgentTurnOutcome;
      try {
        outcome = await runAgentTurn(agent, {
          message: input.message,
          signal: options.signal,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          ...(options.askPermission ? { askPermission: options.askPermission } : {}),
          permissionTimeoutMs: this.#deps.timings.permissionTimeoutMs,
          mode: this.#policy.mode,
          workspace: this.#deps.spec.workspace,
        });
      } catch (error) {
        // Cancelled, timed out or died: end it with everything it started; the next turn resumes the session.
        this.#agent = undefined;
        await agent.kill(this.#deps.timings.killGraceMs).catch((killError: unknown) => {
          // The turn's own error is what the caller needs; a failed kill is for the operator.
          this.#deps.log.error({ instanceId: this.#deps.spec.instanceId, pid: agent.pid, err: (killError as Error).message }, 'could not end an agent');
        });
        throw error;
      }
      this.#transcript = await this.#home.transcript(this.#sessionId);
      const changed = await this.#changed(before, outcome);
      return toTurnResult(outcome, { changedFiles: changed?.paths, fileEvidence: changed?.files ?? [], durationMs: Math.round(this.#deps.now() - started), requestedModel: this.#deps.spec.model, budgetExhausted: this.#route.end().refused });
    } finally {
      this.#route.end();
      this.#busy = false;
      if (!this.#closing) this.#armIdle();
    }
  }

  /** Stops the agent (server shutdown). The workspace, worktree and transcript stay for a resume. */
  close(): Promise<void> {
    return this.#stop(false);
  }

  /** The instance is over: end the agent, commit its worktree's work to its branch and remove it, delete its home. */
  async terminate(): Promise<void> {
    await this.#stop(true);
    await releaseInstance(this.#deps.spec.instanceId, this.#deps.spec.workspace, this.#repository, this.#home, this.#deps.log);
  }

  /**
   * Ends the agent once. An idle one gets to exit on its own first (its transcript is complete for a later
   * resume); a running turn, or a terminated instance that will never resume, is ended at once.
   */
  #stop(now: boolean): Promise<void> {
    this.#closing ??= (async () => {
      this.#clearIdle();
      try {
        await this.#parking;
        const agent = this.#agent;
        this.#agent = undefined;
        const { exitGraceMs, killGraceMs } = this.#deps.timings;
        if (agent) await (now || this.#busy ? agent.kill(killGraceMs) : agent.stop(exitGraceMs, killGraceMs));
      } finally {
        this.#route.close();
        this.#deps.onClosed(this);
      }
    })();
    return this.#closing;
  }

  /**
   * Servers sharing a store and WORKSPACE_DIR take turns of one instance (leases): if another server ran a
   * turn since ours, our warm process remembers an old conversation, so it goes and the session is resumed.
   */
  async #dropIfStale(): Promise<void> {
    const agent = this.#agent;
    if (!agent?.running) return;
    if ((await this.#home.transcript(this.#sessionId)) === this.#transcript) return;
    this.#deps.log.info({ instanceId: this.#deps.spec.instanceId }, 'session continued elsewhere; resuming it in a new process');
    this.#agent = undefined;
    await agent.stop(this.#deps.timings.exitGraceMs, this.#deps.timings.killGraceMs);
  }

  async #ensureAgent(): Promise<AgentProcess> {
    if (this.#agent?.running) return this.#agent;
    if (this.#agent) {
      // It died between turns: end what it may have left running before starting afresh.
      const dead = this.#agent;
      this.#agent = undefined;
      await dead.kill(this.#deps.timings.killGraceMs);
    }
    const { spec, registry } = this.#deps;
    this.#transcript = await this.#home.transcript(this.#sessionId);
    const resume = this.#transcript !== undefined;
    const marker = `${spec.instanceId}:${randomBytes(16).toString('hex')}`;
    const agent = await AgentProcess.spawn({
      executable: this.#deps.executable,
      args: agentArgs({ model: spec.model, policy: this.#policy, sessionId: this.#sessionId, resume, home: this.#home }),
      cwd: spec.workspace,
      env: agentEnv(this.#deps.sourceEnv, this.#home, { baseUrl: this.#route.baseUrl, token: this.#route.token }, marker),
      marker: { name: AGENT_MARKER_ENV, value: marker },
    });
    const identity = { host: this.#deps.host, pid: agent.pid, startTime: processStartTime(agent.pid) };
    registry.add({ agent: identity, marker, instanceId: spec.instanceId, startedAt: new Date().toISOString() });
    void agent.exited
      .then(() => registry.remove(identity))
      .catch((error: unknown) => this.#deps.log.warn({ instanceId: spec.instanceId, pid: agent.pid, err: (error as Error).message }, 'could not delete an agent record'));
    this.#deps.log.debug({ instanceId: spec.instanceId, pid: agent.pid, resume }, 'agent started');
    this.#agent = agent;
    return agent;
  }

  #armIdle(): void {
    this.#clearIdle();
    this.#idle = setTimeout(() => this.#park(), this.#deps.timings.idleMs);
    // A parked-to-be agent must not keep a server (or a test) alive on its own.
    this.#idle.unref();
  }

  #clearIdle(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  #park(): void {
    const agent = this.#agent;
    if (!agent || this.#busy || this.#closing) return;
    this.#agent = undefined;
    this.#parking = agent
      .stop(this.#deps.timings.exitGraceMs, this.#deps.timings.killGraceMs)
      .then(() => this.#deps.log.debug({ instanceId: this.#deps.spec.instanceId }, 'agent parked'))
      .catch((error: unknown) => this.#deps.log.warn({ instanceId: this.#deps.spec.instanceId, err: (error as Error).message }, 'parking the agent failed'))
      .finally(() => {
        this.#parking = undefined;
      });
  }

  /** A snapshot for change tracking; a failure costs the turn its file list, never the turn (its tokens are spent). */
  async #snapshot(): Promise<WorkspaceSnapshot | undefined> {
    try {
      return await this.#tracker.snapshot();
    } catch (error) {
      this.#deps.log.warn({ instanceId: this.#deps.spec.instanceId, err: (error as Error).message }, 'workspace snapshot failed; this turn lists no changed files');
      return undefined;
    }
  }

  /** The changed paths, and each file as it is on disk now (the turn's evidence; empty if reading them failed). */
  async #changed(before: WorkspaceSnapshot | undefined, outcome: AgentTurnOutcome): Promise<{ paths: readonly string[]; files: FileEvidence[] } | undefined> {
    const after = before ? await this.#snapshot() : undefined;
    if (!before || !after) return undefined;
    try {
      const changes = await this.#tracker.changed(before, after, outcome.toolCalls);
      const files = await this.#tracker.describe(changes).catch((error: unknown) => {
        this.#deps.log.warn({ instanceId: this.#deps.spec.instanceId, err: (error as Error).message }, 'reading the changed files failed; this turn lists them without evidence');
        return [];
      });
      return { paths: changes.paths, files };
    } catch (error) {
      this.#deps.log.warn({ instanceId: this.#deps.spec.instanceId, err: (error as Error).message }, 'comparing workspace snapshots failed; this turn lists no changed files');
      return undefined;
    }
  }
}
