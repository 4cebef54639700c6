import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { orchestratorFixture, type Fixture } from '../test-support/orchestrator-fixture.js';
import { createMcpServer } from './mcp-server.js';

/**
 * The budget for tools/list, in bytes of its JSON result. A client puts the whole list in its model's context
 * at the start of every session, so it is a cost paid on every conversation. It was 9,947 bytes with input
 * schemas only; output schemas took it to about 18.9 KB (~5k tokens), and issue 14 (answer_approval, evidence,
 * activity) to about 21.1 KB. 22 KB makes anything bigger a decision taken on purpose (compact a schema, or raise this).
 */
const TOOLS_LIST_BUDGET_BYTES = 22 * 1024;

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.orchestrator.close();
  fixture = undefined;
});

async function connect(): Promise<Client> {
  fixture = orchestratorFixture();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(fixture.orchestrator).connect(serverSide);
  const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

describe('the MCP server', () => {
  it(`keeps tools/list within its budget (${TOOLS_LIST_BUDGET_BYTES} bytes), with an outputSchema on every tool`, async () => {
    const client = await connect();
    const result = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify(result));
    console.log(`tools/list: ${bytes} bytes, ${result.tools.length} tools`);
    expect(bytes).toBeLessThanOrEqual(TOOLS_LIST_BUDGET_BYTES);
    for (const tool of result.tools) expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
    await client.close();
  });

  it('teaches a model how to use the tools in its instructions, in a few hundred words', async () => {
    const client = await connect();
    const instructions = client.getInstructions() ?? '';
    const words = instructions.split(/\s+/).filter(Boolean).length;
    expect(words).toBeGreaterThan(100);
    expect(words).toBeLessThan(500);
    for (const topic of ['spawn_claude', 'remember', 'max_total_tokens', 'max_cost', 'budget_exhausted', 'wait_seconds', 'get_task', 'cancel_task', 'parallel', 'sequential', 'hierarchical', 'consensus', 'terminate_instance', 'orchestrator://instances/']) {
      expect(instructions, topic).toContain(topic);
    }
    await client.close();
  });
});
