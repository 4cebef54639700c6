import type { ServerResponse } from 'node:http';
import { defaultFaultMessage, errorTypeForStatus, statusForStreamError, type Fault } from './faults.js';
import { sendError } from './http-io.js';
import type { SseEvent } from './sse.js';

/** How a faulted request is answered: a whole error response, or a normal stream that ends early. */
export type FaultPlan =
  | { readonly kind: 'respond'; readonly fault: Extract<Fault, { kind: 'status' }> }
  | { readonly kind: 'reset' }
  | { readonly kind: 'partial_stream'; readonly afterDeltas: number; readonly then: StreamEnding }
  /** The whole answer, with a silence (`forMs`; undefined: until the client leaves) after `afterDeltas` deltas. */
  | { readonly kind: 'stall'; readonly afterDeltas: number; readonly forMs: number | undefined };

/** How a partial stream ends: the connection drops, or the API's `event: error` arrives. */
export type StreamEnding = { readonly kind: 'cut' } | { readonly kind: 'error'; readonly errorType: string; readonly message: string };

/**
 * What a fault means for this request. Mid-stream faults need a stream: a non-streaming request gets
 * the status the API would have answered with (a reset simply resets).
 */
export function planFault(fault: Fault, streaming: boolean): FaultPlan {
  switch (fault.kind) {
    case 'status':
      return { kind: 'respond', fault };
    case 'reset':
      if (fault.afterDeltas === undefined || !streaming) return { kind: 'reset' };
      return { kind: 'partial_stream', afterDeltas: fault.afterDeltas, then: { kind: 'cut' } };
    case 'stall':
      return { kind: 'stall', afterDeltas: streaming ? (fault.afterDeltas ?? 1) : 0, forMs: fault.forMs };
    case 'stream_error': {
      const errorType = fault.errorType ?? 'overloaded_error';
      const message = fault.message ?? defaultFaultMessage(errorType);
      if (!streaming) return { kind: 'respond', fault: { kind: 'status', status: statusForStreamError(errorType), message } };
      return { kind: 'partial_stream', afterDeltas: fault.afterDeltas ?? 1, then: { kind: 'error', errorType, message } };
    }
  }
}

/** Answers with the fault's status, the API's error body and any retry-after headers. */
export function sendStatusFault(res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>, requestId: string): void {
  const type = errorTypeForStatus(fault.status);
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  sendError(res, fault.status, type, fault.message ?? defaultFaultMessage(type), requestId, headers);
}

/**
 * The events of a stream that fails after `afterDeltas` content deltas: everything before the next
 * delta, then (for 'error') the API's `event: error`. Deltas are counted across all blocks.
 */
export function partialEvents(events: readonly SseEvent[], plan: Extract<FaultPlan, { kind: 'partial_stream' }>): SseEvent[] {
  const kept: SseEvent[] = [];
  let deltas = 0;
  for (const event of events) {
    if (event.event === 'content_block_delta') {
      if (deltas === plan.afterDeltas) break;
      deltas += 1;
    }
    if (event.event === 'message_stop') break;
    kept.push(event);
  }
  if (plan.then.kind === 'error') {
    kept.push({ event: 'error', data: { type: 'error', error: { type: plan.then.errorType, message: plan.then.message } } });
  }
  return kept;
}
