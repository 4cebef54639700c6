import { ProtocolError } from '@modelcontextprotocol/client';
import { httpStatusFor, type ErrorCode } from '../domain/errors.js';

/**
 * How a fuzzed tool call may end, and what makes an ending a bug. Checked for every case of the fuzz
 * (mcp-fuzz.test.ts); each check returns the reason it failed, or null.
 */
export type Outcome =
  | { readonly kind: 'result'; readonly isError: boolean; readonly structured: Record<string, unknown> | undefined; readonly text: string }
  | { readonly kind: 'protocol'; readonly code: number; readonly message: string }
  | { readonly kind: 'rest'; readonly status: number; readonly body: Record<string, unknown> };

export type Verdict = 'ok' | 'toolError' | 'protocolError';

const CODES: readonly ErrorCode[] = ['invalid_input', 'not_found', 'invalid_state', 'limit_exceeded', 'not_configured', 'backend_error', 'backend_unavailable', 'unavailable', 'timeout', 'cancelled', 'interrupted', 'internal'];

/**
 * JSON-RPC errors a tools/call may get for a bad request: invalid request, unknown method, invalid params
 * (the SDK answers unknown tool names and arguments its schema refuses this way). -32603 (internal error)
 * is a bug, as is any other code.
 */
const ACCEPTED_RPC_CODES = new Set([-32600, -32601, -32602]);

const SDK_REFUSAL = /^Input validation error: Invalid arguments for tool [a-z_]+: ./;

const STACK_FRAME = /\n\s+at .+\(.*:\d+:\d+\)/;

/** A thrown client error as an outcome; anything but a JSON-RPC error (a timeout, a closed connection, an HTTP failure) is rethrown. */
export function protocolOutcome(error: unknown): Outcome {
  if (error instanceof ProtocolError) return { kind: 'protocol', code: error.code, message: error.message };
  throw error;
}

/** Classifies an outcome, or says why it is a bug. */
export function judge(outcome: Outcome): { verdict: Verdict } | { bug: string } {
  switch (outcome.kind) {
    case 'protocol':
      if (STACK_FRAME.test(outcome.message)) return { bug: `a stack trace in a JSON-RPC error: ${outcome.message}` };
      if (!ACCEPTED_RPC_CODES.has(outcome.code)) return { bug: `JSON-RPC error ${outcome.code}: ${outcome.message}` };
      return { verdict: 'protocolError' };
    case 'result': {
      if (STACK_FRAME.test(outcome.text)) return { bug: `a stack trace in a tool result: ${outcome.text.slice(0, 500)}` };
      if (!outcome.isError) return outcome.structured ? { verdict: 'ok' } : { bug: 'a successful result without structuredContent' };
      // The MCP SDK checks arguments against the input schema before the tool runs, and answers a refusal
      // as an error result of its own (text only). Any other unstructured error would be a handler that threw.
      if (outcome.structured === undefined) return SDK_REFUSAL.test(outcome.text) ? { verdict: 'toolError' } : { bug: `an error result without {error}: ${outcome.text.slice(0, 500)}` };
      return toolError(outcome.structured?.['error']) ?? { verdict: 'toolError' };
    }
    case 'rest': {
      const { status, body } = outcome;
      if (status === 200) return body['isError'] ? { bug: 'HTTP 200 with an error result' } : { verdict: 'ok' };
      // A tool's error result, or the route's own refusal (a body that isn't {tool, arguments}).
      const error = (body['structuredContent'] as Record<string, unknown> | undefined)?.['error'] ?? body['error'];
      const bad = toolError(error);
      if (bad) return bad;
      // Each code has one status (errors.ts httpStatusFor): a 5xx is only ever the upstream's or a missing
      // backend's (502 backend_error, 503 backend_unavailable/unavailable/not_configured, 504 timeout), never 500.
      const code = (error as { code: ErrorCode }).code;
      if (status !== httpStatusFor(code)) return { bug: `HTTP ${status} for error code ${code} (expected ${httpStatusFor(code)})` };
      return { verdict: 'toolError' };
    }
  }
}

function toolError(error: unknown): { bug: string } | null {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return { bug: `an error without {code, message}: ${JSON.stringify(error)}` };
  if (!CODES.includes(e.code as ErrorCode)) return { bug: `unknown error code ${e.code}` };
  if (e.code === 'internal') return { bug: `internal error: ${e.message}` };
  if (e.message.trim() === '') return { bug: `an empty message for ${e.code}` };
  return null;
}
