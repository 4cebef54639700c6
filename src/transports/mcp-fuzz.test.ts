import { Client, InMemoryTransport, ProtocolError } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COORDINATION_TYPES } from '../domain/inputs.js';
import { ROLE_IDS } from '../domain/roles.js';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { inputJsonSchema, TOOLS } from '../tools/registry.js';
import { createMcpServer } from './mcp-server.js';

// Property: whatever a client sends as a tool call, the server answers it with a well-formed tool result or
// a well-formed JSON-RPC error, never hangs, never leaks a stack trace, and keeps serving. Runs through the
// SDK's real client and server over the in-memory transport, on an orchestrator with a scripted backend.
const RUNS = 10_000;

let fixture: Fixture;
let client: Client;
beforeAll(async () => {
  fixture = orchestratorFixture({ maxInstances: 6 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(fixture.orchestrator).connect(serverSide);
  client = new Client({ name: 'fuzz', version: '1' });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
  await fixture.orchestrator.close();
});

const TOOL_NAMES = TOOLS.map((t) => t.name);
const SCHEMAS = new Map(TOOLS.map((t) => [t.name, inputJsonSchema(t) as { properties?: object; required?: string[] }]));
const PROPERTIES = new Map([...SCHEMAS].map(([name, schema]) => [name, Object.keys(schema.properties ?? {})]));
const REQUIRED = new Map([...SCHEMAS].map(([name, schema]) => [name, schema.required ?? []]));

/** Ids the server really issued, so many calls get past "not found" into the deeper paths. */
const liveIds: string[] = [];
const taskIds: string[] = [];

const nastyString = fc.constantFrom('', ' ', '\u0000', '\ud800', '../../etc/passwd', '/tmp/claude_orchestrator-evil', '$(rm -rf /)', '--help', 'x'.repeat(201), 'y'.repeat(200_001), '__proto__', 'constructor', '{"a":1}', '<script>', '%00', 'inst_' + '0'.repeat(32));
const anyString = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: nastyString });
const anyNumber = fc.oneof(fc.integer(), fc.double({ noNaN: false }), fc.constantFrom(0, -1, 1, 0.5, 300, 301, 3601, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2));
const anyScalar = fc.oneof(anyString, anyNumber, fc.boolean(), fc.constant(null));
const anyJson = fc.oneof({ weight: 4, arbitrary: anyScalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: fc.array(anyScalar, { maxLength: 5 }) });

/** An index into the live ids (resolved when the case runs) or something that is not one. */
type IdRef = { live: number } | { raw: unknown };
const idRef: fc.Arbitrary<IdRef> = fc.oneof({ weight: 3, arbitrary: fc.nat().map((live) => ({ live })) }, { weight: 1, arbitrary: anyJson.map((raw) => ({ raw })) });

/** A value the schema accepts for `field` (ids resolve to live ones when the case runs). */
function validValue(field: string): fc.Arbitrary<unknown> {
  switch (field) {
    case 'instance_id':
    case 'coordinator_id':
    case 'parent_id':
      return fc.nat().map((live) => ({ live }));
    case 'task_id':
      return fc.nat().map((task) => ({ task }));
    case 'participant_ids':
      return fc.array(fc.nat().map((live) => ({ live })), { minLength: 1, maxLength: 3 });
    case 'role':
      return fc.constantFrom(...ROLE_IDS);
    case 'coordination_type':
      return fc.constantFrom(...COORDINATION_TYPES);
    case 'name':
    case 'message':
    case 'task_description':
    case 'system_prompt':
      return fc.string({ minLength: 1, maxLength: 30 }).filter((v) => v.trim().length > 0);
    case 'model':
      return fc.constant('claude-sonnet-5-5');
    case 'max_total_tokens':
      return fc.integer({ min: 1, max: 1_000_000 });
    case 'max_cost':
      return fc.double({ min: 0.01, max: 100, noNaN: true });
    case 'timeout_minutes':
    case 'timeout_seconds':
      return fc.integer({ min: 1, max: 60 });
    case 'wait_seconds':
      // Short, so a valid call never waits long: the scripted backend answers at once anyway.
      return fc.constantFrom(0, 0.01, 1);
    case 'limit':
      return fc.integer({ min: 1, max: 500 });
    case 'offset':
      return fc.integer({ min: 0, max: 100 });
    case 'options':
      return fc.record(
        { max_rounds: fc.integer({ min: 1, max: 3 }), quorum: fc.double({ min: 0.1, max: 1, noNaN: true }), max_depth: fc.integer({ min: 1, max: 2 }), synthesize: fc.boolean() },
        { requiredKeys: [] },
      );
    default:
      return fc.boolean();
  }
}

/** Something odd for `field`: wrong type, out of range, hostile text, a dead id. Never a long wait. */
function oddValue(field: string): fc.Arbitrary<unknown> {
  if (field === 'wait_seconds') return anyJson.filter((v) => typeof v !== 'number' || v < 0 || v > 300);
  if (field === 'participant_ids') return fc.oneof(fc.array(idRef, { maxLength: 4 }), fc.array(idRef, { minLength: 50, maxLength: 60 }), anyJson);
  return anyJson;
}

function fieldValue(field: string): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 12, arbitrary: validValue(field) }, { weight: 1, arbitrary: oddValue(field) });
}

/** Arguments shaped like the tool's: required fields usually there, each field valid or odd, now and then an extra one. */
function nearValidArgs(tool: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = PROPERTIES.get(tool) ?? [];
  const required = REQUIRED.get(tool) ?? [];
  const model = Object.fromEntries(fields.map((f) => [f, fieldValue(f)]));
  const shaped = fc.oneof({ weight: 4, arbitrary: fc.record(model, { requiredKeys: required }) }, { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) });
  return fc.tuple(shaped, fc.option(fc.dictionary(anyString, anyJson, { maxKeys: 2 }), { freq: 4 })).map(([args, extra]) => ({ ...(extra ?? {}), ...args }));
}

const toolCall = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...TOOL_NAMES).chain((name) => nearValidArgs(name).map((args) => ({ name, args: args as unknown }))) },
  { weight: 1, arbitrary: fc.record({ name: fc.oneof(anyString, fc.constantFrom('SPAWN_CLAUDE', 'spawn_claude ', 'tools/list')), args: anyJson }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constantFrom(...TOOL_NAMES), args: anyJson }) },
);

/** Swaps the placeholders for real ids (by index into what the server issued so far). */
function resolveRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveRefs);
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('live' in v && typeof v['live'] === 'number') return liveIds.length > 0 ? liveIds[v['live'] % liveIds.length] : 'inst_none';
    if ('raw' in v) return v['raw'];
    if ('task' in v && typeof v['task'] === 'number') return taskIds.length > 0 ? taskIds[v['task'] % taskIds.length] : 'task_none';
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, resolveRefs(inner)]));
  }
  return value;
}

function remember(tool: string, result: { structuredContent?: unknown }): void {
  const s = result.structuredContent as Record<string, unknown> | undefined;
  const id = s?.['instance_id'];
  if (typeof id === 'string' && tool === 'terminate_instance') {
    const ended = [id, ...(Array.isArray(s?.['terminated_children']) ? (s['terminated_children'] as unknown[]) : [])];
    for (const gone of ended) if (liveIds.includes(gone as string)) liveIds.splice(liveIds.indexOf(gone as string), 1);
  } else if (typeof id === 'string' && !liveIds.includes(id)) liveIds.push(id);
  if (typeof s?.['task_id'] === 'string' && !taskIds.includes(s['task_id'])) taskIds.push(s['task_id']);
  if (liveIds.length > 20) liveIds.shift();
  if (taskIds.length > 20) taskIds.shift();
}

const STACK_FRAME = /\n\s+at .+\(.*:\d+:\d+\)/;

describe('MCP tool calls under fuzzing', () => {
  it(`answers ${RUNS} random and near-valid calls with well-formed results or errors, and keeps serving`, async () => {
    const outcomes = { ok: 0, toolError: 0, protocolError: 0 };
    await fc.assert(
      fc.asyncProperty(toolCall, async ({ name, args }) => {
        const params = { name, arguments: resolveRefs(args) };
        try {
          const result = await client.request({ method: 'tools/call', params }, { timeout: 10_000 });
          expect(Array.isArray(result.content)).toBe(true);
          for (const block of result.content) expect(block).toMatchObject({ type: 'text', text: expect.any(String) });
          const text = result.content.map((b) => ('text' in b ? b.text : '')).join('\n');
          expect(text).not.toMatch(STACK_FRAME);
          if (result.isError) outcomes.toolError++;
          else {
            outcomes.ok++;
            remember(name, result);
          }
        } catch (error) {
          // Only a JSON-RPC error from the server is acceptable: not a timeout, not a closed connection.
          expect(error, String(error)).toBeInstanceOf(ProtocolError);
          const protocol = error as ProtocolError;
          expect(Number.isInteger(protocol.code)).toBe(true);
          expect(protocol.message).not.toMatch(STACK_FRAME);
          outcomes.protocolError++;
        }
      }),
      { numRuns: RUNS },
    );
    // The server is still up and consistent.
    const listed = await client.callTool({ name: 'list_instances', arguments: { include_terminated: true } });
    expect(listed.isError).toBeFalsy();
    expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
    // The generators reach every kind of answer, so the property is not vacuous.
    expect(outcomes.ok).toBeGreaterThan(RUNS / 20);
    expect(outcomes.toolError).toBeGreaterThan(RUNS / 20);
    expect(outcomes.protocolError).toBeGreaterThan(0);
  });
});
