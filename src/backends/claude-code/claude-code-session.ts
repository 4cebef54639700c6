import { randomBytes } from 'node:crypto';
import { OrchestratorError } from '../../domain/errors.js';
import { totalTokens } from '../../domain/usage.js';
import type { Logger } from '../../observability/logger.js';
import type { Session, SessionSpec, TurnInput, TurnOptions, TurnResult } from '../backend.js';
import { AgentHome, sessionIdFor } from './agent-home.js';
import { agentArgs, agentEnv, type AgentCredentials } from './agent-launch.js';
import { AgentProcess } from './agent-process.js';
import { AGENT_MARKER_ENV, type AgentRegistry } from './agent-registry.js';
import { runAgentTurn, type AgentTurnOutcome } from './agent-turn.js';
import { changeTracker, type ChangeTracker, type WorkspaceSnapshot } from './changed-files.js';
import { DEFAULT_PERMISSION_POLICY, type PermissionPolicy } from './permission-policy.js';
import { processStartTime, type ProcessIdentity } from './process-identity.js';
import { turnAccounting } from './result-usage.js';
import { ensureWorktree, finishWorktree, validateRepository, worktreeBranch } from './worktree.js';
import { errorFromResult } from './result-errors.js';
import { parseBackendState } from './backend-state.js';

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
  readonly credentials: AgentCredentials;
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

/** Where an instance's agent stands: a live process (warm), none (parked), or ended. */
export type AgentState = 'warm' | 'parked' | 'closed';

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
  #parking: Promise<void> | undefined;
  #idle: NodeJS.Timeout | undefined;
  #busy = false;
  #closing: Promise<void> | undefined;

  private constructor(deps: SessionDeps, repository: string | undefined) {
    this.#deps = deps;
    this.#home = new AgentHome(deps.agentsDir, deps.spec.instanceId);
    this.#sessionId = parseBackendState(deps.spec.backendState)?.sessionId ?? sessionIdFor(deps.spec.instanceId);
    this.#policy = deps.spec.permissions ?? DEFAULT_PERMISSION_POLICY;
    this.#repository = repository;
    this.#tracker = changeTracker(deps.spec.workspace, repository !== undefined ? this.#home.snapshotIndexFile : undefined);
  }

  /** Prepares the agent's home and workspace and starts its process, so the first turn finds it warm. */
  static async open(deps: SessionDeps): Promise<ClaudeCodeSession> {
    const repository = deps.spec.repository !== undefined ? await validateRepository(deps.spec.repository) : undefined;
    if (repository !== undefined) await ensureWorktree(repository, deps.spec.workspace, worktreeBranch(deps.spec.instanceId));
    const session = new ClaudeCodeSession(deps, repository);
    await session.#home.prepare(deps.spec.systemPrompt);
    await session.#ensureAgent();
    session.#armIdle();
    return session;
  }

  get state(): AgentState {
    if (this.#closing) return 'closed';
    return this.#agent?.running ? 'warm' : 'parked';
  }

  /** The live agent's pid, if any (for status and tests). */
  get agentPid(): number | undefined {
    return this.#agent?.running ? this.#agent.pid : undefined;
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
    this.#busy = true;
    this.#clearIdle();
    const started = this.#deps.now();
    try {
      await this.#parking;
      const before = await this.#snapshot();
      const agent = await this.#ensureAgent();
      let outcome: AgentTurnOutcome;
      try {
        outcome = await runAgentTurn(agent, {
          message: input.message,
          tokenBudget: input.tokenBudget,
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
        await agent.kill(this.#deps.timings.killGraceMs);
        throw error;
      }
      const changedFiles = await this.#changed(before, outcome);
      return this.#result(outcome, changedFiles, started, options);
    } finally {
      this.#busy = false;
      if (!this.#closing) this.#armIdle();
    }
  }

  /** Stops the agent (shutdown or before terminate). The workspace, worktree and transcript stay for a resume. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#clearIdle();
      try {
        await this.#parking;
        const agent = this.#agent;
        this.#agent = undefined;
        // A running turn is cut short (its turn then fails); an idle agent gets to exit on its own first.
        if (agent) await (this.#busy ? agent.kill(this.#deps.timings.killGraceMs) : agent.stop(this.#deps.timings.exitGraceMs, this.#deps.timings.killGraceMs));
      } finally {
        this.#deps.onClosed(this);
      }
    })();
    return this.#closing;
  }

  /** The instance is over: stop the agent, commit its worktree's work to its branch and remove it, delete its home. */
  async terminate(): Promise<void> {
    await this.close();
    if (this.#repository !== undefined) {
      const { instanceId } = this.#deps.spec;
      const finish = await finishWorktree(this.#repository, this.#deps.spec.workspace, worktreeBranch(instanceId), `Work of instance ${instanceId}, committed when it was terminated`);
      this.#deps.log.info({ instanceId, branch: worktreeBranch(instanceId), commit: finish.commit }, 'worktree committed and removed; branch kept');
    }
    await this.#home.remove();
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
    const resume = await this.#home.hasTranscript(this.#sessionId);
    const marker = `${spec.instanceId}:${randomBytes(16).toString('hex')}`;
    const agent = await AgentProcess.spawn({
      executable: this.#deps.executable,
      args: agentArgs({ model: spec.model, policy: this.#policy, sessionId: this.#sessionId, resume, home: this.#home }),
      cwd: spec.workspace,
      env: agentEnv(this.#deps.sourceEnv, this.#home, this.#deps.credentials, marker),
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

  async #changed(before: WorkspaceSnapshot | undefined, outcome: AgentTurnOutcome): Promise<readonly string[] | undefined> {
    const after = before ? await this.#snapshot() : undefined;
    if (!before || !after) return undefined;
    try {
      return await this.#tracker.changed(before, after, outcome.toolCalls);
    } catch (error) {
      this.#deps.log.warn({ instanceId: this.#deps.spec.instanceId, err: (error as Error).message }, 'comparing workspace snapshots failed; this turn lists no changed files');
      return undefined;
    }
  }

  #result(outcome: AgentTurnOutcome, changedFiles: readonly string[] | undefined, started: number, options: TurnOptions): TurnResult {
    const { result } = outcome;
    const accounting = turnAccounting(result);
    // A failed turn that spent nothing is an error; one that spent tokens is a result, so they are charged.
    if (result.is_error && !outcome.budgetExceeded && totalTokens(accounting.usage) === 0) throw errorFromResult(result);
    options.onEvent?.({ type: 'usage', usage: accounting.usage });
    const text = result.result ?? (outcome.streamedText !== '' ? outcome.streamedText : (result.errors ?? []).join('\n'));
    const stopReason = outcome.budgetExceeded ? 'token_budget' : result.is_error ? (result.terminal_reason ?? result.subtype) : (result.stop_reason ?? null);
    return {
      text,
      usage: accounting.usage,
      stopReason,
      durationMs: Math.round(this.#deps.now() - started),
      model: outcome.model !== '' ? outcome.model : this.#deps.spec.model,
      toolCalls: outcome.toolCalls,
      backendState: JSON.stringify({ claudeCode: { sessionId: result.session_id } }),
      ...(changedFiles !== undefined ? { changedFiles } : {}),
      permissionDenials: outcome.denials,
      ...(Object.keys(accounting.byModel).length > 1 ? { usageByModel: accounting.byModel } : {}),
      ...(accounting.agentCostUsd !== undefined ? { agentCostUsd: accounting.agentCostUsd } : {}),
    };
  }
}
