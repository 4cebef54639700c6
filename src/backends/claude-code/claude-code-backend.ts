import { DEFAULTS } from '../../config/defaults.js';
import type { Config } from '../../config/load-config.js';
import { OrchestratorError } from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Backend, Session, SessionSpec } from '../backend.js';
import { AgentHome } from './agent-home.js';
import { agentsDir } from './agents-dir.js';
import { ModelProxy, type ProxyUpstream } from './model-proxy.js';
import { sessionOptions } from './session-options.js';
import { AgentRegistry, type ReapReport } from './agent-registry.js';
import { resolveClaudeExecutable, type ClaudeExecutable } from './claude-executable.js';
import { ClaudeCodeSession, type SessionTimings } from './claude-code-session.js';
import { validateRepository } from './worktree.js';
import { releaseInstance } from './instance-release.js';
import { currentProcess, type ProcessIdentity } from './process-identity.js';
import { secondsToTimerMs } from '../../domain/timer-ms.js';

export interface ClaudeCodeBackendOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  /** WORKSPACE_DIR: agent records and homes live under `<dir>/.agents`, shared by every server on it. */
  readonly workspaceDir: string;
  /** CLAUDE_CODE_EXECUTABLE: another claude binary than the pinned dependency. */
  readonly executable?: string | undefined;
  readonly timings: SessionTimings;
  /** The server's environment, source of the agents' allowlisted variables (and of CLAUDE_CODE_OAUTH_TOKEN). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The server that owns the agents started here; a test may pose as another one. */
  readonly owner?: ProcessIdentity;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** An agent's model call whose upstream sends nothing this long is cut; its client retries (default STALL_TIMEOUT_SECONDS's). */
  readonly stallTimeoutSeconds?: number;
}

/**
 * Instances that are real Claude Code agents (the pinned CLI in stream-json mode): warm across turns,
 * parked when idle, each in its own workspace, asking through the orchestrator for what their policy leaves
 * open, isolated from workspace settings, supervised to the last process and reaped after a crash.
 */
export class ClaudeCodeBackend implements Backend {
  readonly kind = 'claude-code' as const;
  readonly #options: ClaudeCodeBackendOptions;
  readonly #owner: ProcessIdentity;
  readonly #registry: AgentRegistry;
  readonly #log: Logger;
  readonly #sessions = new Set<ClaudeCodeSession>();
  #executable: ClaudeExecutable | undefined;
  #reaped: Promise<ReapReport> | undefined;
  /** Where every agent of this backend calls the model (started with the first agent). */
  #proxy: Promise<ModelProxy> | undefined;

  constructor(options: ClaudeCodeBackendOptions) {
    this.#options = options;
    this.#owner = options.owner ?? currentProcess();
    this.#log = options.logger ?? silentLogger();
    this.#registry = new AgentRegistry(this.#agentsDir, this.#owner, this.#log);
  }

  get #agentsDir(): string {
    return agentsDir(this.#options.workspaceDir);
  }

  get #credentials(): ProxyUpstream {
    return { apiKey: this.#options.apiKey, oauthToken: (this.#options.env ?? process.env)['CLAUDE_CODE_OAUTH_TOKEN'], baseUrl: this.#options.baseUrl ?? 'https://api.anthropic.com' };
  }

  /** The model proxy the agents call: it holds each call against the turn's budgets and adds the real credential. */
  #modelProxy(): Promise<ModelProxy> {
    if (!this.#proxy) {
      const starting = ModelProxy.start({ upstream: this.#credentials, logger: this.#log, stallMs: (this.#options.stallTimeoutSeconds ?? DEFAULTS.stallTimeoutSeconds) * 1000 });
      // A proxy that failed to start is tried again by the next agent.
      starting.catch(() => {
        if (this.#proxy === starting) this.#proxy = undefined;
      });
      this.#proxy = starting;
    }
    return this.#proxy;
  }

  /** The CLI this backend runs (path and version). */
  get executable(): ClaudeExecutable {
    this.#executable ??= resolveClaudeExecutable(this.#options.executable);
    return this.#executable;
  }

  assertReady(): void {
    const credentials = this.#credentials;
    if (credentials.apiKey === undefined && credentials.oauthToken === undefined) {
      throw new OrchestratorError(
        'not_configured',
        'claude-code instances need credentials for their agents: set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from `claude setup-token`) in the ' +
          "orchestrator's environment and restart it. Agents never read your own ~/.claude login.",
      );
    }
    void this.executable;
  }

  async start(spec: SessionSpec): Promise<Session> {
    this.assertReady();
    // A failed reap must not stop new work: it is logged, and the next start tries again.
    await this.reapOrphans().catch((error: unknown) => this.#log.error({ err: (error as Error).message }, 'reaping orphaned agents failed'));
    const session = await ClaudeCodeSession.open({
      spec,
      executable: this.executable.path,
      proxy: await this.#modelProxy(),
      sourceEnv: this.#options.env ?? process.env,
      registry: this.#registry,
      host: this.#owner.host,
      agentsDir: this.#agentsDir,
      timings: this.#options.timings,
      log: this.#log.child({ instanceId: spec.instanceId }),
      now: this.#options.now ?? (() => performance.now()),
      onClosed: (closed) => this.#sessions.delete(closed),
    });
    this.#sessions.add(session);
    return session;
  }

  /**
   * Ends the agents whose server is gone (kill -9, crash), with everything they started; agents of live
   * servers on the same WORKSPACE_DIR are left alone. Runs once per backend; call it at server start so a
   * restart cleans up even before the first claude-code spawn.
   */
  reapOrphans(): Promise<ReapReport> {
    this.#reaped ??= this.#registry.reapOrphans(this.#options.timings.killGraceMs).then(
      (report) => {
        if (report.reaped.length > 0) this.#log.info({ reaped: report.reaped }, 'ended agents left behind by a server that is gone');
        return report;
      },
      (error: unknown) => {
        this.#reaped = undefined;
        throw error;
      },
    );
    return this.#reaped;
  }

  /**
   * Frees what a terminated instance kept when no session of it is open here (e.g. after a restart): its
   * worktree's work is committed and the worktree removed, its agent home deleted. Starts no agent.
   */
  async release(spec: SessionSpec): Promise<void> {
    const open = [...this.#sessions].find((session) => session.instanceId === spec.instanceId);
    if (open) return open.terminate();
    const options = sessionOptions(spec.options);
    const repository = options.repository !== undefined ? await validateRepository(options.repository) : undefined;
    await releaseInstance(spec.instanceId, spec.workspace, repository, new AgentHome(this.#agentsDir, spec.instanceId), this.#log);
  }

  /**
   * The health check's part: ends agents whose server is gone. At start this is the one-time reap; later
   * checks look again, since another server sharing WORKSPACE_DIR may have died since.
   */
  async healthCheck(): Promise<void> {
    if (this.#reaped === undefined) {
      await this.reapOrphans();
      return;
    }
    const report = await this.#registry.reapOrphans(this.#options.timings.killGraceMs);
    if (report.reaped.length > 0) this.#log.info({ reaped: report.reaped }, 'ended agents left behind by a server that is gone');
  }

  /** Checks a repository before the instance is recorded, so a bad path is a clear spawn error. */
  async validateSpawn(spec: SessionSpec): Promise<void> {
    const options = sessionOptions(spec.options);
    if (options.repository !== undefined) await validateRepository(options.repository);
  }

  /** Stops every agent of this backend (server shutdown); sessions stay resumable. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close()));
    const proxy = this.#proxy;
    this.#proxy = undefined;
    await (await proxy)?.close();
  }
}

/** The backend as a server runs it: settings from its configuration, agents owned by this process. */
export function claudeCodeBackendFromConfig(config: Config, logger: Logger): ClaudeCodeBackend {
  return new ClaudeCodeBackend({
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    workspaceDir: config.workspaceDir,
    executable: config.claudeCodeExecutable,
    stallTimeoutSeconds: config.stallTimeoutSeconds,
    timings: {
      idleMs: config.claudeCodeIdleSeconds * 1000,
      permissionTimeoutMs: secondsToTimerMs(config.approvalTimeoutSeconds),
      exitGraceMs: DEFAULTS.claudeCodeExitGraceMs,
      killGraceMs: DEFAULTS.claudeCodeKillGraceMs,
    },
    logger,
  });
}
