import type { BackendKind, MessageRole } from '../domain/instance.js';
import type { Usage } from '../domain/usage.js';

/** What a backend needs to start a conversation for one instance. */
export interface SessionSpec {
  readonly instanceId: string;
  readonly model: string;
  readonly systemPrompt: string;
  readonly workspace: string;
}

/** One turn: the conversation so far (from the store, the orchestrator's only memory) and the new message. */
export interface TurnInput {
  readonly history: ReadonlyArray<{ readonly role: MessageRole; readonly content: string }>;
  readonly message: string;
  /** Output cap for this turn, already reduced to what the instance's budget allows. */
  readonly maxTokens: number;
}

export type BackendEvent = { readonly type: 'text'; readonly text: string };

export interface TurnOptions {
  readonly signal: AbortSignal;
  readonly onEvent?: (event: BackendEvent) => void;
}

export interface TurnResult {
  readonly text: string;
  readonly usage: Usage;
  readonly stopReason: string | null;
  readonly durationMs: number;
  /** The model that answered, as the API reports it. */
  readonly model: string;
}

export interface Session {
  turn(input: TurnInput, options: TurnOptions): Promise<TurnResult>;
  close(): Promise<void>;
}

/** The seam between the orchestrator and whatever runs a conversation. */
export interface Backend {
  readonly kind: BackendKind;
  /** Throws `not_configured` with what to do when the backend cannot run (e.g. no API key). */
  assertReady(): void;
  start(spec: SessionSpec): Promise<Session>;
}
