import type { z } from 'zod';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../observability/logger.js';
import type { Backend } from './backend.js';

/** What a backend is built from when it is first used. */
export interface BackendContext {
  readonly config: Config;
  readonly logger: Logger;
}

/**
 * One kind of backend, as the rest of the orchestrator knows it: its name, the spawn options it takes, what it
 * can do, and how to build it. The module behind `load` is imported on first use only, so a server that never
 * runs an agent never loads the agent code (nor `--help` the Anthropic SDK).
 */
export interface BackendDescriptor {
  readonly kind: string;
  /** One line for the spawn tool's `backend` field. */
  readonly description: string;
  /** spawn_claude fields only this backend takes (validated at the boundary, stored with the instance). */
  readonly spawnOptions: Readonly<Record<string, z.ZodType>>;
  /** Whether its instances may get the delegation tools (spawn_child, message_instance, ...), and if not, why. */
  readonly delegation: { readonly supported: true } | { readonly supported: false; readonly why: string };
  /** Whether the server's settings give it what it needs to run (credentials), without loading it. */
  configured(config: Config): boolean;
  /** Prompt tokens each model call carries beyond the conversation (an agent's own system prompt and tools): the first call's hold counts them. */
  readonly promptOverheadTokens: number;
  load(context: BackendContext): Promise<Backend>;
  /** Whether a server starting must load this backend to clean up after one that died (e.g. agent processes left running). */
  hasLeftovers?(config: Config): boolean;
}
