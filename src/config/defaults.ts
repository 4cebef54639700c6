/**
 * Every default of the orchestrator, in one place, each with the reason for its value.
 * Env variables and CLI flags override these (see load-config.ts); nothing else hard-codes them.
 */
export const DEFAULTS = {
  /** Loopback only: an orchestrator spends money and runs agents, so it is never exposed by accident. */
  host: 'localhost',
  /** The port the original Python orchestrator used, so existing client configs keep working. */
  port: 8001,
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
  /**
   * The current Sonnet (released 2026-09; no retirement announced). Sonnet is the price/speed balance
   * a fleet of workers wants; override per spawn or with DEFAULT_MODEL.
   */
  model: 'claude-sonnet-5-5',
  /** Output cap per turn. Large enough for a full file of code; the token budget caps it further. */
  maxOutputTokens: 8_192,
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
  /** How often the health sweep enforces lifetimes; the original system checked every minute. */
  healthCheckIntervalSeconds: 60,
  /** Pages of history and instance lists: big enough to be useful, small enough for a model's context. */
  pageSize: 50,
  maxPageSize: 500,
  /** Bounds on user input, so no single call can exhaust memory or a model's context. */
  maxMessageChars: 1_000_000,
  maxNameChars: 200,
  maxSystemPromptChars: 200_000,
  /** Participants of one coordination run; past this, split the work. */
  maxParticipants: 50,
} as const;

export type Defaults = typeof DEFAULTS;
