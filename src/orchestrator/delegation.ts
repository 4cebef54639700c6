import type { AgentTool, ToolExecution } from '../backends/backend.js';
import { OrchestratorError, toOrchestratorError } from '../domain/errors.js';
import { parseInput, type OutputInput, type SendInput, type SpawnInput } from '../domain/inputs.js';
import type { InstanceRecord } from '../domain/instance.js';
import { evidenceLine } from '../evidence/evidence-line.js';
import { agentToolSpan, toolFailed } from '../observability/genai-spans.js';
import { ROLE_IDS } from '../domain/roles.js';
import { z } from 'zod';
import type { OutputResult, SendResult, SpawnResult } from './results.js';
import type { InstanceView } from './views.js';

/** What delegation may do: the same operations a client has, under the same rules. Never the orchestrator itself. */
export interface DelegationPort {
  record(id: string): Promise<InstanceRecord>;
  spawn(input: SpawnInput): Promise<SpawnResult>;
  send(input: SendInput, options: { readonly signal: AbortSignal }): Promise<SendResult>;
  output(input: OutputInput): Promise<OutputResult>;
  children(id: string): Promise<readonly InstanceView[]>;
}

/** Default wait for a reply from another instance; short enough that two instances messaging each other can't hang for long. */
const MESSAGE_TIMEOUT_SECONDS = 300;

const spawnChild = z.object({
  name: z.string().min(1).max(200),
  role: z.enum(ROLE_IDS).default('general'),
  system_prompt: z.string().max(50_000).optional(),
  allow_delegation: z.boolean().optional(),
});
const messageInstance = z.object({
  instance_id: z.string().min(1).max(200),
  message: z.string().min(1).max(500_000),
  timeout_seconds: z.number().positive().max(3600).optional(),
});
const readOutput = z.object({ instance_id: z.string().min(1).max(200), limit: z.number().int().min(1).max(100).optional() });

/** The tools an instance with allow_delegation gets, in the Messages API's tool shape. */
export const DELEGATION_TOOLS: readonly AgentTool[] = [
  {
    name: 'spawn_child',
    description: `Start a child Claude instance that works for you, with a role (${ROLE_IDS.join(', ')}). Returns its instance_id. Its budget comes out of yours.`,
    input_schema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        role: { type: 'string', enum: [...ROLE_IDS] },
        system_prompt: { type: 'string', description: 'Extra instructions for the child.' },
        allow_delegation: { type: 'boolean', description: 'Let the child spawn children of its own (depth permitting).' },
      },
      required: ['name'],
    },
  },
  {
    name: 'message_instance',
    description: 'Send a message to one of your children or siblings and get its reply (it keeps its own conversation), with what it did (evidence) and, for an agent working through tools, whether that backs its reply (verification).',
    input_schema: {
      type: 'object',
      properties: { instance_id: { type: 'string' }, message: { type: 'string' }, timeout_seconds: { type: 'number' } },
      required: ['instance_id', 'message'],
    },
  },
  {
    name: 'read_output',
    description: "Read the latest messages of a child's or sibling's conversation.",
    input_schema: { type: 'object', properties: { instance_id: { type: 'string' }, limit: { type: 'number' } }, required: ['instance_id'] },
  },
  {
    name: 'list_children',
    description: 'Your child instances with their state, turns, tokens and cost.',
    input_schema: { type: 'object', properties: {} },
  },
];

/**
 * Runs the delegation tools for one instance, under the orchestrator's own rules: the same depth, children
 * and global limits as spawn_claude, a child's budget capped at what its parent has left, and messages
 * only to instances it may reach (its children and siblings). Failures come back as tool errors the model
 * can read, never as exceptions.
 */
export function delegationExecutor(port: DelegationPort, self: InstanceRecord) {
  // Each call is a span under the turn that made it; a child's turn (message_instance) nests under it.
  return (name: string, raw: unknown, signal: AbortSignal): Promise<ToolExecution> =>
    agentToolSpan(DELEGATION_TOOLS.some((t) => t.name === name) ? name : 'unknown', async (span) => {
      try {
        const result = await run(port, self, name, raw, signal);
        const child = (result as { verification?: { status?: unknown } }).verification?.status;
        return { content: JSON.stringify(result), isError: false, ...(child === 'verified' || child === 'unverified' ? { childVerification: child } : {}) };
      } catch (error) {
        const failure = toOrchestratorError(error);
        toolFailed(span, failure.code, failure.message);
        return { content: `Error (${failure.code}): ${failure.message}`, isError: true };
      }
    });
}

async function run(port: DelegationPort, self: InstanceRecord, name: string, raw: unknown, signal: AbortSignal): Promise<object> {
  switch (name) {
    case 'spawn_child': {
      const input = parseInput(spawnChild, raw);
      const me = await port.record(self.id);
      // What the parent's subtree has left (its calls settle as they are made, this turn's included); the
      // child's spend counts against the parent's budget anyway, so this cap only makes the child's own budget honest.
      const tokensLeft = me.limits.maxTotalTokens - me.subtree.tokens;
      const costLeftUsd = me.limits.maxCostNanos !== null ? (me.limits.maxCostNanos - me.subtree.costNanos) / 1e9 : undefined;
      const spawned = await port.spawn({
        name: input.name,
        role: input.role,
        ...(input.system_prompt !== undefined ? { system_prompt: input.system_prompt } : {}),
        ...(input.allow_delegation !== undefined ? { allow_delegation: input.allow_delegation } : {}),
        model: me.model,
        parent_id: self.id,
        max_total_tokens: Math.max(1, tokensLeft),
        ...(costLeftUsd !== undefined && costLeftUsd > 0 ? { max_cost: costLeftUsd } : {}),
      });
      return { instance_id: spawned.instance_id, name: spawned.name, role: spawned.role, limits: spawned.limits };
    }
    case 'message_instance': {
      const input = parseInput(messageInstance, raw);
      await assertReachable(port, self, input.instance_id);
      const reply = await port.send(
        { instance_id: input.instance_id, message: input.message, timeout_seconds: input.timeout_seconds ?? MESSAGE_TIMEOUT_SECONDS },
        { signal },
      );
      // What the child did, so a parent sees that a child's "Done!" is backed by nothing (src/evidence).
      return {
        instance_id: reply.instance_id,
        reply: reply.reply,
        ...(reply.verification ? { verification: reply.verification } : {}),
        evidence: evidenceLine(reply.evidence),
        usage: reply.usage,
        cost_usd: reply.cost_usd,
        state: reply.state,
      };
    }
    case 'read_output': {
      const input = parseInput(readOutput, raw);
      await assertReachable(port, self, input.instance_id);
      const total = (await port.output({ instance_id: input.instance_id, limit: 1 })).total;
      const limit = input.limit ?? 10;
      const page = await port.output({ instance_id: input.instance_id, limit, offset: Math.max(0, total - limit) });
      return { instance_id: page.instance_id, state: page.state, total: page.total, messages: page.messages.map((m) => ({ role: m.role, content: m.content })) };
    }
    case 'list_children': {
      const children = await port.children(self.id);
      return {
        children: children.map((c) => ({ instance_id: c.instance_id, name: c.name, role: c.role, state: c.state, turns: c.turns, total_tokens: c.usage.total_tokens, cost_usd: c.cost_usd })),
      };
    }
    default:
      throw new OrchestratorError('invalid_input', `Unknown tool ${name}. Available: ${DELEGATION_TOOLS.map((t) => t.name).join(', ')}.`);
  }
}

/** An instance may reach its own children and its siblings (same parent), never itself or strangers. */
async function assertReachable(port: DelegationPort, self: InstanceRecord, targetId: string): Promise<void> {
  const target = await port.record(targetId);
  const isChild = target.parentId === self.id;
  const isSibling = self.parentId !== null && target.parentId === self.parentId && target.id !== self.id;
  if (!isChild && !isSibling) {
    throw new OrchestratorError('invalid_input', `Instance ${targetId} is not one you may reach: you can message your children and siblings only.`);
  }
}
