import { context, diag, DiagLogLevel, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { VERSION } from '../version.js';
import type { Logger } from './logger.js';
import type { TracingHandle } from './tracing.js';

/** service.name when OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) does not say otherwise. */
export const DEFAULT_SERVICE_NAME = 'claude-orchestrator';

/** How long a shutdown waits for the last spans to reach the collector: long enough for a healthy one, short enough that a dead one doesn't hold Ctrl-C. */
const SHUTDOWN_FLUSH_MS = 3_000;

/**
 * The OpenTelemetry SDK, loaded only when traces are asked for (see start-tracing.ts): spans batched and
 * exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, as protobuf (the standard's default, and
 * the only format some backends, such as Phoenix, take) or as JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json
 * (the exporters read the other standard variables: headers, timeout, compression), context carried across
 * awaits by AsyncLocalStorage.
 * If the process already has a TracerProvider (a library user's own), ours steps aside and theirs gets the spans.
 */
export function startOtelSdk(logger: Logger): TracingHandle | undefined {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME, 'service.version': VERSION }))
    .merge(detectResources({ detectors: [envDetector] }));
  const protocol = (process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? process.env['OTEL_EXPORTER_OTLP_PROTOCOL'])?.trim() || 'http/protobuf';
  const json = protocol === 'http/json';
  const exporter = json ? new JsonTraceExporter() : new ProtobufTraceExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  if (!trace.setGlobalTracerProvider(provider)) {
    logger.warn('OpenTelemetry: a TracerProvider is already registered in this process; spans go to it, not to OTEL_EXPORTER_OTLP_ENDPOINT');
    void provider.shutdown();
    return undefined;
  }
  // Export failures (collector down, say) are reported through diag: a warning in our log, never a crash.
  diag.setLogger(diagLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownsContext = context.setGlobalContextManager(contextManager);
  if (!ownsContext) contextManager.disable();
  logger.info({ endpoint: exportUrl(), serviceName: resource.attributes['service.name'] }, `OpenTelemetry: exporting traces over OTLP/HTTP (${json ? 'JSON' : 'protobuf'})`);
  if (!json && protocol !== 'http/protobuf') {
    logger.warn({ protocol }, 'OpenTelemetry: only OTLP over HTTP is supported (http/protobuf or http/json); sending http/protobuf: point OTEL_EXPORTER_OTLP_ENDPOINT at the collector\'s HTTP port (4318)');
  }
  return {
    shutdown: async () => {
      // A collector that is down must not hold the server's exit for the exporter's retries.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SHUTDOWN_FLUSH_MS)));
      try {
        if ((await Promise.race([provider.shutdown(), late])) === 'late') logger.warn(`OpenTelemetry: spans not flushed within ${SHUTDOWN_FLUSH_MS / 1000} s of shutdown; the rest are dropped`);
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'OpenTelemetry: flushing spans at shutdown failed');
      } finally {
        clearTimeout(timer);
      }
      trace.disable();
      if (ownsContext) context.disable();
      diag.disable();
    },
  };
}

/** Where spans go, for the start-up log line (as the exporter resolves it), without credentials. */
function exportUrl(): string | undefined {
  const traces = process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return withoutCredentials(traces);
  const base = process.env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  return base ? `${withoutCredentials(base).replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * An endpoint URL fit for a log: no user:password@ and no query string or fragment (some collectors take an
 * API key there). Text that is not an http(s) URL loses everything up to an @ and from a ? or #.
 */
export function withoutCredentials(endpoint: string): string {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return endpoint.replace(/[?#].*$/s, '').replace(/^([^/]*\/\/)?[^/]*@/, '$1');
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** OpenTelemetry's own complaints (an export that failed, say) as our log lines; a tracing failure is a warning, never an error of the server. */
function diagLogger(logger: Logger): DiagLogger {
  const at = (level: 'warn' | 'info' | 'debug') => (message: string, ...args: unknown[]) => logger[level](`OpenTelemetry: ${readable(message)}${args.length > 0 ? ` ${args.map(String).join(' ')}` : ''}`);
  return { error: at('warn'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('debug') };
}

/** The exporter reports a failed export as the error serialised to JSON: keep its message. */
function readable(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? `${parsed.message} (spans not exported)` : message;
  } catch {
    return message;
  }
}
