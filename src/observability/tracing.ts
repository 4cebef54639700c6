import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { OrchestratorError } from '../domain/errors.js';

/**
 * The core's only door to OpenTelemetry: the small API package, which does nothing until a TracerProvider
 * is registered (by start-tracing.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set, or by a library user who
 * registers their own). The SDK and exporter are never imported from here.
 */

export type { Context, Span } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

/** The instrumentation scope our spans carry. */
export const TRACER_NAME = 'claude-orchestrator';

export interface SpanStart {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent; default the active context (so spans nest as the calls do). */
  readonly parent?: Context;
}

/** Runs `fn` inside a new active span, ended when it settles; a throw marks the span failed and passes on. */
export function withSpan<T>(name: string, start: SpanStart, fn: (span: Span) => Promise<T>): Promise<T> {
  const options = { kind: start.kind ?? SpanKind.INTERNAL, ...(start.attributes ? { attributes: start.attributes } : {}) };
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, options, start.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span the caller ends itself (for work that is not one function call, like a proxied HTTP exchange). */
export function startSpan(name: string, start: SpanStart): Span {
  const options = { kind: start.kind ?? SpanKind.INTERNAL, ...(start.attributes ? { attributes: start.attributes } : {}) };
  return trace.getTracer(TRACER_NAME).startSpan(name, options, start.parent ?? context.active());
}

/** Error status, `error.type` (the orchestrator's error code, or the error's class) and the exception as an event. */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const type = error instanceof OrchestratorError ? error.code : error instanceof Error ? error.name : 'unknown';
  const message = error instanceof Error ? error.message : String(error);
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof Error) span.recordException(error);
}

/** A failure known by its type and message only (a tool's error result, an HTTP status). */
export function markFailedAs(span: Span, type: string, message: string): void {
  if (!span.isRecording()) return;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The context work runs in now: capture it where work is asked for, to re-enter it where the work runs later. */
export function captureContext(): Context {
  return context.active();
}

/** Runs `fn` with `parent` as the active context (its spans become children of parent's span). */
export function inContext<T>(parent: Context, fn: () => T): T {
  return context.with(parent, fn);
}

/** A running trace exporter (see start-tracing.ts): `shutdown` exports what is still buffered, then stops. */
export interface TracingHandle {
  shutdown(): Promise<void>;
}
