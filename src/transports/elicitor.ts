import type { McpServer, ServerContext } from '@modelcontextprotocol/server';

type ElicitParams = Parameters<ServerContext['mcpReq']['elicitInput']>[0];
type ElicitResult = Awaited<ReturnType<ServerContext['mcpReq']['elicitInput']>>;

/** Puts one form to the client that sent the work. */
export type Elicitor = (params: ElicitParams, signal: AbortSignal) => Promise<ElicitResult>;

/**
 * How to ask the client that made this tool call, when it declared it can answer (2025-era clients; the
 * 2026-07-28 protocol has no server-initiated asks): while the tool call is open the question rides on it;
 * after it returned a task handle, it goes to the client's session. Undefined when the client can't be asked.
 */
export function elicitorFor(server: McpServer, ctx: ServerContext, requestOpen: () => boolean): Elicitor | undefined {
  if (ctx.mcpReq.envelope !== undefined) return undefined;
  if (!server.server.getClientCapabilities()?.elicitation) return undefined;
  return (params, signal) => (requestOpen() ? ctx.mcpReq.elicitInput(params, { signal }) : server.server.elicitInput(params, { signal }));
}
