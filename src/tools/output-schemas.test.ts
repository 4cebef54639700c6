import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { simulatorMcp } from '../test-support/simulator-mcp.js';
import { checkOutput, outputJsonSchema } from './output-check.js';
import { TOOLS } from './registry.js';
import { defineTool } from './tool-definition.js';

const mcp = simulatorMcp('schema-test');

type S = Record<string, any>;

/** Every tool called for real (simulator behind the API backend, the SDK's client), each success checked by the client's own validator. */
describe('tool results against their published outputSchema', () => {
  it('every tool has one, and every successful result of every tool matches it', async () => {
    const client = await mcp.connect();

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    const validator = new AjvJsonSchemaValidator();
    const checks = new Map<string, (value: unknown) => { valid: boolean; errorMessage?: string | undefined }>();
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
      // GET /tools shows the very same schema (one function makes both).
      const definition = TOOLS.find((t) => t.name === tool.name);
      expect(outputJsonSchema(definition!)).toEqual(tool.outputSchema);
      checks.set(tool.name, validator.getValidator(tool.outputSchema as Parameters<typeof validator.getValidator>[0]));
    }

    const validated = new Map<string, number>();
    // The client validates structuredContent against the listed outputSchema itself (it throws on a mismatch);
    // the explicit check below says which tool and why.
    const call = async (name: string, args: S): Promise<S> => {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
      const verdict = checks.get(name)!(result.structuredContent);
      expect(verdict.valid, `${name}: ${verdict.errorMessage}`).toBe(true);
      validated.set(name, (validated.get(name) ?? 0) + 1);
      return result.structuredContent as S;
    };

    const lead = (await call('spawn_claude', { name: 'lead', role: 'architect', max_total_tokens: 200_000, max_cost: 5 }))['instance_id'];
    const a = (await call('spawn_claude', { name: 'a', role: 'backend_developer' }))['instance_id'];
    const b = (await call('spawn_claude', { name: 'b', role: 'testing_specialist' }))['instance_id'];

    const reply = await call('send_to_instance', { instance_id: a, message: 'Write a haiku about queues.' });
    expect(reply['reply']).toEqual(expect.any(String));

    // The other branch: a task handle, then get_task while working and once done.
    mcp.holdReplies('slow job');
    const handle = await call('send_to_instance', { instance_id: b, message: 'slow job', wait_seconds: 0 });
    expect(handle).toMatchObject({ state: 'working', task_id: expect.any(String) });
    expect((await call('get_task', { task_id: handle['task_id'] }))['state']).toBe('working');
    const waiting = call('get_task', { task_id: handle['task_id'], wait_seconds: 300 });
    mcp.release();
    expect(await waiting).toMatchObject({ state: 'completed', result: { reply: 'done: slow job' } });

    mcp.holdReplies('never ends');
    const doomed = await call('send_to_instance', { instance_id: b, message: 'never ends', wait_seconds: 0 });
    await expect.poll(() => mcp.sim.inFlight).toBe(1);
    expect(await call('cancel_task', { task_id: doomed['task_id'] })).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    mcp.release();
    mcp.sim.setScript([]);

    expect((await call('get_instance_output', { instance_id: a }))['messages']).toHaveLength(2);
    expect((await call('get_instance_status', { instance_id: a }))['turns']).toBe(1);
    expect((await call('list_instances', { include_terminated: true }))['total']).toBe(3);

    for (const type of ['parallel', 'sequential', 'hierarchical', 'consensus'] as const) {
      const run = await call('coordinate_instances', {
        coordinator_id: lead,
        participant_ids: [a, b],
        task_description: `Agree on a name for the ${type} queue service.`,
        coordination_type: type,
      });
      expect(run['coordination_type']).toBe(type);
    }
    mcp.holdReplies('long review');
    const running = await call('coordinate_instances', { participant_ids: [a, b], task_description: 'long review', coordination_type: 'parallel', wait_seconds: 0 });
    expect(running['state']).toBe('working');
    mcp.release();
    expect(await call('get_task', { task_id: running['task_id'], wait_seconds: 300 })).toMatchObject({ state: 'completed', result: { coordination_type: 'parallel' } });

    expect(await call('terminate_instance', { instance_id: lead })).toMatchObject({ instance_id: lead });
    // No agent asked anything: the list of pending permission asks is empty (answering one: approvals-e2e.test.ts).
    expect(await call('answer_approval', {})).toEqual({ approvals: [] });

    expect([...validated.keys()].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });
});

describe('a result that breaks its schema', () => {
  it('is an internal error that names the tool and the mismatch, not a result sent on', () => {
    const tool = defineTool({
      name: 'broken',
      title: 'Broken',
      description: 'Returns the wrong shape.',
      inputSchema: z.object({}),
      outputSchema: z.strictObject({ count: z.number() }),
      annotations: {},
      run: () => ({ count: 'three' }),
    });
    expect(checkOutput(tool, { count: 3 }, silentLogger())).toEqual({ count: 3 });
    expect(() => checkOutput(tool, { count: 'three' }, silentLogger())).toThrow(expect.objectContaining({ code: 'internal', message: expect.stringMatching(/broken .*output schema.*count/s) }));
    // Strict at the top level, like its JSON Schema's additionalProperties: false.
    expect(() => checkOutput(tool, { count: 3, extra: true }, silentLogger())).toThrow(/output schema/);
  });
});
