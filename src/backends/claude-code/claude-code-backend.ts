import { join } from 'node:path';
import { OrchestratorError } from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Backend, Session, SessionSpec } from '../backend.js';
import type { AgentCredentials } from './agent-launch.js';
import { AgentRegistry, type ReapReport } from './agent-registry.js';
import { resolveClaudeExecutable, type ClaudeExecutable } from './claude-executable.js';
import { ClaudeCodeSession, type SessionTimings } from './claude-code-session.js';
import { currentProcess, type ProcessIdentity } from './process-identity.js';

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
}

/**
 * Instances that are real Claude Code agents (the pinned CLI in stream-json mode): warm across turns,
 * parked when idle, each in its own workspace, asking through the orchestrator for what their policy leaves
 * open, isolated from workspace settings, supervised to the last process and reaped after a crash.
 */
// `Omit<Backend, 'kind'>` until BackendKind (domain/instance.ts) lists 'claude-code'; then `implements Backend`.
export class ClaudeCodeBackend implements Omit<Backend, 'kind'> {
  readonly kind = 'claude-code' as const;
  readonly #options: ClaudeCodeBackendOptions;
  readonly #owner: ProcessIdentity;
  readonly #registry: AgentRegistry;
  readonly #log: Logger;
  readonly #sessions = new Set<ClaudeCodeSession>();
  #executable: ClaudeExecutable | undefined;
  #reaped: Promise<ReapReport> | undefined;

  constructor(options: ClaudeCodeBackendOptions) {
    this.#options = options;
    this.#owner = options.owner ?? currentProcess();
    this.#log = options.logger ?? silentLogger();
    this.#registry = new AgentRegistry(this.#agentsDir, this.#owner, this.#log);
  }

  get #agentsDir(): string {
    return join(this.#options.workspaceDir, '.agents');
  }

  get #credentials(): AgentCredentials {
    return { apiKey: this.#options.apiKey, oauthToken: (this.#options.env ?? process.env)['CLAUDE_CODE_OAUTH_TOKEN'], baseUrl: this.#options.baseUrl };
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
    await this.reapOrphans();
    const session = await ClaudeCodeSession.open({
      spec,
      executable: this.executable.path,
      credentials: this.#credentials,
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
    this.#reaped ??= this.#registry.reapOrphans(this.#options.timings.killGraceMs).then((report) => {
      if (report.reaped.length > 0) this.#log.info({ reaped: report.reaped }, 'ended agents left behind by a server that is gone');
      return report;
    });
    return this.#reaped;
  }

  /** Stops every agent of this backend (server shutdown); sessions stay resumable. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close()));
  }
}
