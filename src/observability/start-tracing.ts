import type { Logger } from './logger.js';
import type { TracingHandle } from './tracing.js';

export type { TracingHandle } from './tracing.js';

/**
 * Whether the standard OpenTelemetry variables ask for traces: an OTLP endpoint is set (for all signals or
 * for traces), and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns them off.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  if (env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase() === 'none') return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim());
}

/**
 * Starts exporting traces over OTLP/HTTP when the environment asks for it; otherwise loads nothing of the
 * OpenTelemetry SDK and returns undefined (spans stay no-ops, which cost next to nothing).
 */
export async function startTracing(env: NodeJS.ProcessEnv, logger: Logger): Promise<TracingHandle | undefined> {
  if (!tracingRequested(env)) return undefined;
  const { startOtelSdk } = await import('./otel-sdk.js');
  return startOtelSdk(logger);
}
