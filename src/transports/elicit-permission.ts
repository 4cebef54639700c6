import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { AskPermission, PermissionAnswer } from '../backends/backend.js';

/**
 * Turns an agent's permission ask into an MCP elicitation to the client that sent the work, when that
 * client declared it can answer (2025-era clients; the 2026-07-28 protocol has no server-initiated asks).
 * While the tool call is open the ask rides on it; after it returned a task handle, it goes to the client's
 * session. An answer other than an explicit "allow" is a refusal, with the reason passed to the agent.
 */
export function elicitPermission(server: McpServer, ctx: ServerContext, requestOpen: () => boolean): AskPermission | undefined {
  if (ctx.mcpReq.envelope !== undefined) return undefined;
  if (!server.server.getClientCapabilities()?.elicitation) return undefined;
  return async (request, signal): Promise<PermissionAnswer> => {
    const params = {
      mode: 'form' as const,
      message: `A Claude Code agent asks to use ${request.tool}: ${request.reason}\n\nInput: ${JSON.stringify(request.input).slice(0, 1_000)}`,
      requestedSchema: {
        type: 'object' as const,
        properties: { allow: { type: 'boolean' as const, title: 'Allow this?', description: `Let the agent use ${request.tool} this once.` } },
        required: ['allow'],
      },
    };
    const result = requestOpen() ? await ctx.mcpReq.elicitInput(params, { signal }) : await server.server.elicitInput(params, { signal });
    if (result.action === 'accept' && result.content?.['allow'] === true) return { allow: true };
    return { allow: false, message: result.action === 'accept' ? 'The user answered no.' : `The user chose to ${result.action} the question.` };
  };
}
