/** The reply the simulator settled on for one request, before it is put on the wire. */

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';

export interface OutputTextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface OutputToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export type OutputBlock = OutputTextBlock | OutputToolUseBlock;

export interface SimulatedMessage {
  readonly id: string;
  readonly model: string;
  readonly content: readonly OutputBlock[];
  readonly stopReason: StopReason;
  readonly stopSequence: string | null;
  /** Uncached input tokens (the API's `input_tokens`); with `cache`, the rest of the prompt is there. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Prompt-cache writes and reads; absent means none. */
  readonly cache?: CachedTokens;
}

export interface CachedTokens {
  readonly creation5m: number;
  readonly creation1h: number;
  readonly read: number;
}
