/**
 * Every default of the orchestrator, in one place, each with the reason for its value.
 * Env variables and CLI flags override these (see load-config.ts); nothing else hard-codes them.
 */
export const DEFAULTS = {
  /** Loopback only: an orchestrator spends money and runs agents, so it is never exposed by accident. */
  host: 'localhost',
  /** The port the original Python orchestrator used, so existing client configs keep working. */
  port: 8001,
  /** Request bodies past this get 413: far above any real tool call, small enough that no client can exhaust memory. */
  maxRequestBytes: 4 * 1024 * 1024,
  /**
   * Requests per minute per client (address + credential), as a token bucket that holds a full minute. 50/s
   * sustained: a dashboard or a scripted client never meets it; a runaway loop or a token guesser does.
   */
  rateLimitPerMinute: 3_000,
  /** A 2025-era MCP HTTP session with no request for this long is closed (the client re-initializes on 404). */
  sessionIdleMinutes: 60,
  /** Open MCP HTTP sessions at most; past it the least recently used idle one is closed to make room. */
  maxHttpSessions: 1_000,
  /** The shortest ORCHESTRATOR_TOKEN accepted: 32 random characters can't be guessed at any request rate. */
  minTokenChars: 32,
  /** Same cap as the original system: enough for a team of specialists, bounded for cost. */
  maxInstances: 10,
  /** The original system's per-instance token budget; counts input, output, cache write and cache read. */
  maxTokensPerInstance: 100_000,
  /** The original system's global spend ceiling, in USD. */
  maxTotalCostUsd: 100,
  /** Lifetime of an instance since spawn; the original system's value. */
  instanceTimeoutMinutes: 60,
  /** Shared temp location; every instance gets a directory named by its id under it. */
  workspaceDir: '/tmp/claude_orchestrator',
  logLevel: 'info',
  /** Readable lines for a person at a terminal, JSON for anything that collects logs (a pipe, a file, a container). */
  logFormat: 'auto' as 'auto' | 'pretty' | 'json',
  /**
   * The current Sonnet (released 2026-09; no retirement announced). Sonnet is the price/speed balance
   * a fleet of workers wants; override per spawn or with DEFAULT_MODEL.
   */
  model: 'claude-sonnet-5-5',
  /** Output cap per model call. Large enough for a full file of code; the budgets cap it further. */
  maxOutputTokens: 8_192,
  /**
   * The least output a model call is held for. A reply cut at a few dozen tokens is wasted money, so a call
   * that would get less waits for calls in flight to settle (and is refused once the spend alone leaves less).
   * 256 tokens hold a useful paragraph or a tool call.
   */
  minOutputTokens: 256,
  /** A call waiting for budget looks again this often, for holds released by other servers on the store. */
  holdPollMs: 250,
  /**
   * How long one send may take before it is aborted. Long enough for a big reply from a slow model;
   * the instance stays usable after an abort.
   */
  sendTimeoutSeconds: 600,
  /**
   * How long send_to_instance and coordinate_instances wait before answering with a task handle. Under the
   * 60 s request timeout many MCP clients use, with room to spare.
   */
  waitSeconds: 25,
  /** A progress notification at least this often while a client waits with a progress token. */
  progressHeartbeatSeconds: 10,
  /** Turns in flight at once within one coordination run. */
  coordinationConcurrency: 10,
  /** A whole coordination run is aborted after this long (each of its turns also has the send timeout). */
  coordinationTimeoutSeconds: 3_600,
  /** How deep delegation trees may grow (a root instance is depth 0). */
  maxDelegationDepth: 2,
  /** Children one instance may have at once. */
  maxChildrenPerParent: 5,
  /** The store file's name under WORKSPACE_DIR (ORCHESTRATOR_DB overrides the whole path). */
  dbFileName: 'orchestrator.db',
  /**
   * How long a turn's lease on its instance lasts without renewal. A server that dies mid-turn frees the
   * instance for others after this; a live one renews it every third of it.
   */
  leaseSeconds: 30,
  /** On SIGTERM/SIGINT, turns in flight get this long to finish before they are cancelled. */
  shutdownGraceSeconds: 20,
  /**
   * A coordination (or a send that had not begun) cut off by a crash or restart runs again on the next server,
   * reusing the turns it finished: what a user of a long fan-out expects; off only marks it interrupted.
   */
  resumeInterrupted: true,
  /** What a request refused while shutting down is told to wait (retry-after): a restart, or another node, takes a few seconds. */
  shuttingDownRetryAfterSeconds: 5,
  /** On a second SIGINT/SIGTERM, SIGTERM to SIGKILL for the agents: the user asked to stop now, so only a moment to clean up. */
  forcedShutdownKillGraceMs: 1_000,
  /** Terminated instances (and their histories) are deleted this many days after they ended. */
  retentionDays: 30,
  /** How often the health sweep enforces lifetimes; the original system checked every minute. */
  healthCheckIntervalSeconds: 60,
  /**
   * How often a node writes its heartbeat and sweeps for dead nodes: one small write per node, and a dead
   * node noticed within seconds of NODE_DEAD_SECONDS.
   */
  nodeHeartbeatSeconds: 5,
  /**
   * A node on another host silent this long is dead. Six heartbeats: a GC pause, a slow disk or a database
   * fail-over of a few seconds never kills a live node; its api instances continue elsewhere within a minute.
   */
  nodeDeadSeconds: 30,
  /** Nodes read per sweep, freshest first: more than any cluster runs, with room for recent restarts. */
  maxNodesListed: 100,
  /** Pages of history and instance lists: big enough to be useful, small enough for a model's context. */
  pageSize: 50,
  maxPageSize: 500,
  /** Bounds on user input, so no single call can exhaust memory or a model's context. */
  maxMessageChars: 1_000_000,
  maxNameChars: 200,
  maxSystemPromptChars: 200_000,
  /** Participants of one coordination run (COORDINATION_CONCURRENCY allows 100 in flight); past this, split the work. */
  maxParticipants: 100,
  /**
   * Retries of one Messages API call (429, 529, 5xx, resets). Backoff 0.5, 1, 2, 4, 8, 16, 30, 30 s rides
   * out an overload burst or a one-minute rate-limit window; the SDK's own default (2) gives up inside 2 s.
   */
  apiMaxRetries: 8,
  /**
   * No retry starts this long after a call's first attempt: past a typical rate-limit window, well under
   * SEND_TIMEOUT_SECONDS, so a turn that can't get through fails with the reason instead of a timeout.
   */
  apiRetryMaxSeconds: 180,
  /** First retry backoff; doubles per retry (with jitter) up to apiRetryMaxDelayMs. The SDK's value. */
  apiRetryBaseDelayMs: 500,
  /** Longest single backoff when the server gives no retry-after. */
  apiRetryMaxDelayMs: 30_000,
  /**
   * The adaptive limiter's ceiling on Messages API requests in flight: it starts fully open here and
   * only shrinks on 429/529. Above any fan-out our limits allow (50 participants), below what would
   * exhaust sockets.
   */
  apiMaxInFlight: 64,
  /** Prompt caching is on by default: a cache read costs a tenth of input, and multi-turn instances reread a lot. */
  promptCaching: true,
  /** 5 minutes: writes cost 1.25× input (1 h costs 2×); an instance's turns usually come minutes apart. */
  promptCacheTtl: '5m',
  /**
   * A claude-code agent idle this long is stopped and its session parked (no process, no memory); the next
   * turn resumes it (~0.5 s). 5 minutes covers the pauses of a working conversation.
   */
  claudeCodeIdleSeconds: 300,
  /**
   * A model stream that sends no event this long is aborted and retried, and a turn with no sign of life this
   * long shows `stalled`. Two minutes: far past any healthy pause before the first token of a long prompt, far
   * short of SEND_TIMEOUT_SECONDS.
   */
  stallTimeoutSeconds: 120,
  /**
   * How long an agent's permission ask waits for an answer (elicitation or the approvals queue) before it is
   * denied: 5 minutes gives someone away from the chat time to see it in the dashboard or `status`.
   */
  approvalTimeoutSeconds: 300,
  /**
   * How long a question to raise a spent budget waits for its answer before it counts as no: time to read
   * what was spent and decide. Below Claude Code's 10-minute API timeout, so an agent's held call outlives it.
   */
  budgetAskTimeoutSeconds: 300,
  /** A stopped agent's time to exit on its own once its input ends (it normally takes ~50 ms). */
  claudeCodeExitGraceMs: 2_000,
  /** SIGTERM to SIGKILL for an agent and what it started; Claude Code cleans up its tools on SIGTERM within this. */
  claudeCodeKillGraceMs: 5_000,
} as const;

export type Defaults = typeof DEFAULTS;
