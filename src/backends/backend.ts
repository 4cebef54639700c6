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
  /** Output cap for one model call, already reduced to what the instance's budget allows. */
  readonly maxTokens: number;
  /** Tokens the whole turn may use (all its model calls together); the tool loop stops there. */
  readonly tokenBudget: number;
  /** Tools the instance may call during the turn (delegation); executed through TurnOptions.executeTool. */
  readonly tools?: readonly AgentTool[];
}

/** A tool offered to the model, in the Messages API's shape. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  readonly input_schema: { readonly type: 'object'; readonly properties: Record<string, unknown>; readonly required?: readonly string[] };
}

export interface ToolExecution {
  readonly content: string;
  readonly isError: boolean;
}

/** One tool call made during a turn, kept with the turn's reply. */
export interface ToolCallRecord {
  readonly name: string;
  readonly input: unknown;
  readonly isError: boolean;
  /** The result as given to the model, shortened for the record. */
  readonly result: string;
}

export type BackendEvent =
  | { readonly type: 'text'; readonly text: string }
  /** After each model call within a turn: that call's usage (a turn with tools makes several calls). */
  | { readonly type: 'usage'; readonly usage: Usage };

export interface TurnOptions {
  readonly signal: AbortSignal;
  readonly onEvent?: (event: BackendEvent) => void;
  /** Runs a tool the model called; required when TurnInput.tools is given. Never throws: errors are results. */
  readonly executeTool?: (name: string, input: unknown, signal: AbortSignal) => Promise<ToolExecution>;
}

export interface TurnResult {
  readonly text: string;
  readonly usage: Usage;
  readonly stopReason: string | null;
  readonly durationMs: number;
  /** The model that answered, as the API reports it. */
  readonly model: string;
  /** Tool calls made during the turn, in order (empty without tools). */
  readonly toolCalls: readonly ToolCallRecord[];
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
