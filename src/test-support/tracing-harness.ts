import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { RunningSimulator } from '../simulator/simulator.js';

/** A test file's global TracerProvider: every finished span, kept in memory. */
export interface InMemoryTracing {
  readonly exporter: InMemorySpanExporter;
  /** The spans finished since the last test began (or the last exporter.reset()). */
  spans(): ReadableSpan[];
}

/**
 * Registers, for the test file, a TracerProvider the way a library user would (globally, with an AsyncLocalStorage
 * context manager) exporting to memory; its spans are cleared before each test, and the provider and context
 * manager are removed after the file. Call it at the top of the file, before hooks that start what is traced.
 */
export function inMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());
  return { exporter, spans: () => exporter.getFinishedSpans() };
}

/**
 * Scripts the simulator for a hierarchical run in which the architect `lead`'s plan gives the UI to `fe` and the
 * API to `be`; members answer `memberReply`, and the lead integrates as "INTEGRATED".
 */
export function scriptHierarchicalRun(sim: RunningSimulator, members: { readonly fe: string; readonly be: string }, memberReply: string): void {
  const plan = {
    subtasks: [
      { id: 'ui', assignee: members.fe, description: 'Build the UI.', depends_on: [] },
      { id: 'api', assignee: members.be, description: 'Build the API.', depends_on: [] },
    ],
  };
  sim.setScript([
    { match: { system: /software architect/, lastUser: 'Split it into sub-tasks' }, reply: `\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`` },
    { match: { system: /software architect/, lastUser: 'Integrate their results' }, reply: 'INTEGRATED' },
    { reply: memberReply },
  ]);
}
