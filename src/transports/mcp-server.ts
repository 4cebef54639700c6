import { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { executeTool, TOOLS } from '../tools/registry.js';
import { elicitPermission } from './elicit-permission.js';
import { VERSION } from '../version.js';

export const SERVER_NAME = 'claude-orchestrator';

const INSTRUCTIONS =
  'Spawn specialist Claude instances with spawn_claude, talk to them with send_to_instance (each keeps its conversation), ' +
  'make several work together with coordinate_instances, read history with get_instance_output, watch tokens and cost with ' +
  'get_instance_status / list_instances, and end them with terminate_instance. Long work returns a task_id: follow it with get_task.';

/** The orchestrator, or how to get it once it is ready (a stdio server answers the handshake before opening its store). */
export type OrchestratorSource = Orchestrator | (() => Promise<Orchestrator>);

/**
 * A fresh MCP server over the shared orchestrator. Cheap: the SDK builds one per HTTP request or stdio
 * connection, while all state lives in the orchestrator.
 */
export function createMcpServer(source: OrchestratorSource): McpServer {
  const orchestrator = typeof source === 'function' ? source : () => Promise.resolve(source);
  const server = new McpServer({ name: SERVER_NAME, version: VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, annotations: tool.annotations },
      async (args, ctx) => {
        const token = ctx.mcpReq._meta?.progressToken;
        const onProgress =
          token === undefined
            ? undefined
            : (update: { progress: number; total?: number; message: string }) =>
                // A client that went away can't be told; the work goes on and get_task still has it.
                void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...update } }).catch(() => undefined);
        let open = true;
        const askPermission = elicitPermission(server, ctx, () => open);
        try {
          return (
            await executeTool(await orchestrator(), tool.name, args, {
              signal: ctx.mcpReq.signal,
              ...(onProgress ? { onProgress } : {}),
              ...(askPermission ? { askPermission } : {}),
            })
          ).result;
        } finally {
          open = false;
        }
      },
    );
  }
  return server;
}
