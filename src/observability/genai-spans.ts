import type { Attributes } from '@opentelemetry/api';
import type { InstanceRecord } from '../domain/instance.js';
import { promptTokens, type Usage, type UsageView } from '../domain/usage.js';
import { markFailedAs, SpanKind, startSpan, withSpan, type Context, type Span } from './tracing.js';

/**
 * The orchestrator's spans, named and attributed after the OpenTelemetry GenAI semantic conventions
 * (gen_ai.*) and, for tool calls, the MCP ones (mcp.*). Our own attributes are under `orchestrator.*`.
 * One trace per tool call (or per coordination run a library caller starts), a span per turn, a span per model call.
 */

const PROVIDER = 'anthropic';

/** A tool call through MCP or REST: the root of its trace (`tools/call spawn_claude`). */
export function toolCallSpan<T>(tool: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(`tools/call ${tool}`, { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool } }, fn);
}

/** A tool an instance's model called during its turn (a delegation tool such as message_instance). */
export function agentToolSpan<T>(tool: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(`execute_tool ${tool}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.type': 'function' } }, fn);
}

/** Marks a tool span failed by the error result the tool answered with (tools never throw). */
export function toolFailed(span: Span, code: string, message: string): void {
  markFailedAs(span, code, message);
}

export interface CoordinationSpanInfo {
  readonly type: string;
  readonly participantIds: readonly string[];
  readonly coordinatorId?: string | undefined;
}

/** A coordination run (`coordinate hierarchical`): its participants' turns are its children. */
export function coordinationSpan<T>(info: CoordinationSpanInfo, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(
    `coordinate ${info.type}`,
    {
      attributes: {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.workflow.name': `coordinate ${info.type}`,
        'orchestrator.coordination.type': info.type,
        'orchestrator.coordination.participant_ids': [...info.participantIds],
        ...(info.coordinatorId !== undefined ? { 'orchestrator.coordination.coordinator_id': info.coordinatorId } : {}),
      },
    },
    fn,
  );
}

/** What a finished coordination run reports on its span. */
export function coordinationFinished(span: Span, result: { readonly success?: boolean; readonly turns?: number; readonly cost_usd?: number | null }): void {
  if (!span.isRecording()) return;
  if (result.success !== undefined) span.setAttribute('orchestrator.coordination.success', result.success);
  if (result.turns !== undefined) span.setAttribute('orchestrator.coordination.turns', result.turns);
  if (typeof result.cost_usd === 'number') span.setAttribute('orchestrator.cost_usd', result.cost_usd);
  if (result.success === false) markFailedAs(span, 'coordination_failed', 'The coordination run did not succeed.');
}

/** One turn of an instance (`invoke_agent <name>`): its model calls, and tools it calls, are children. */
export function turnSpan<T>(record: InstanceRecord, fn: (span: Span) => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.provider.name': PROVIDER,
    'gen_ai.agent.id': record.id,
    'gen_ai.agent.name': record.name,
    'gen_ai.conversation.id': record.id,
    'gen_ai.request.model': record.model,
    'orchestrator.instance.id': record.id,
    'orchestrator.instance.role': record.role,
    'orchestrator.instance.backend': record.backend,
    'orchestrator.instance.depth': record.depth,
    ...(record.parentId !== null ? { 'orchestrator.instance.parent_id': record.parentId } : {}),
  };
  return withSpan(`invoke_agent ${record.name}`, { attributes }, fn);
}

/** What a finished turn reports on its span (send_to_instance's result). */
export interface TurnOutcome {
  readonly usage: UsageView;
  readonly cost_usd: number | null;
  readonly model: string;
  readonly stop_reason: string | null;
  readonly model_calls: number;
  readonly retries?: number;
  readonly state: string;
}

export function turnFinished(span: Span, outcome: TurnOutcome): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    ...usageViewAttributes(outcome.usage),
    'gen_ai.response.model': outcome.model,
    ...(outcome.stop_reason !== null ? { 'gen_ai.response.finish_reasons': [outcome.stop_reason] } : {}),
    ...(outcome.cost_usd !== null ? { 'orchestrator.cost_usd': outcome.cost_usd } : {}),
    'orchestrator.model_calls': outcome.model_calls,
    ...(outcome.retries !== undefined ? { 'orchestrator.retries': outcome.retries } : {}),
    'orchestrator.instance.state': outcome.state,
  });
}

export interface ChatRequest {
  readonly model: string;
  readonly maxTokens: number;
  /** Who makes the call: 'api' (the orchestrator itself) or 'model_proxy' (a Claude Code agent, through our proxy). */
  readonly via: 'api' | 'model_proxy';
}

function chatStart(request: ChatRequest, parent?: Context) {
  return {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': PROVIDER,
      'gen_ai.request.model': request.model,
      'gen_ai.request.max_tokens': request.maxTokens,
      'orchestrator.call.via': request.via,
    },
    ...(parent ? { parent } : {}),
  };
}

/** One model call (`chat <model>`), retries included, as the active span while `fn` runs. */
export function chatSpan<T>(request: ChatRequest, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(`chat ${request.model}`, chatStart(request), fn);
}

/** A model call whose span the caller ends (the model proxy's exchanges), under `parent` (the agent's turn). */
export function startChatSpan(request: ChatRequest, parent: Context | undefined): Span {
  return startSpan(`chat ${request.model}`, chatStart(request, parent));
}

export interface ChatResponse {
  readonly id?: string | undefined;
  readonly model?: string | undefined;
  readonly usage?: Usage | undefined;
  readonly finishReason?: string | null | undefined;
  readonly retries?: number | undefined;
}

export function chatFinished(span: Span, response: ChatResponse): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    ...(response.id !== undefined ? { 'gen_ai.response.id': response.id } : {}),
    ...(response.model !== undefined ? { 'gen_ai.response.model': response.model } : {}),
    ...(response.usage ? usageAttributes(response.usage) : {}),
    ...(response.finishReason ? { 'gen_ai.response.finish_reasons': [response.finishReason] } : {}),
    ...(response.retries !== undefined ? { 'orchestrator.retries': response.retries } : {}),
  });
}

// The conventions count cached prompt tokens in gen_ai.usage.input_tokens too (the API's input_tokens does not).
function usageAttributes(u: Usage): Attributes {
  return {
    'gen_ai.usage.input_tokens': promptTokens(u),
    'gen_ai.usage.output_tokens': u.outputTokens,
    'gen_ai.usage.cache_creation.input_tokens': u.cacheCreationInputTokens,
    'gen_ai.usage.cache_read.input_tokens': u.cacheReadInputTokens,
  };
}

function usageViewAttributes(u: UsageView): Attributes {
  return {
    'gen_ai.usage.input_tokens': u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens,
    'gen_ai.usage.output_tokens': u.output_tokens,
    'gen_ai.usage.cache_creation.input_tokens': u.cache_creation_input_tokens,
    'gen_ai.usage.cache_read.input_tokens': u.cache_read_input_tokens,
  };
}
