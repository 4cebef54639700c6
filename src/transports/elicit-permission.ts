import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { AskPermission, PermissionAnswer } from '../backends/backend.js';
import { approvalMessage, DECISION_TITLES } from '../approvals/approval-text.js';
import { APPROVAL_DECISIONS } from '../store/approvals.js';

/**
 * Turns an agent's permission ask into an MCP elicitation to the client that sent the work, when that
 * client declared it can answer (2025-era clients; the 2026-07-28 protocol has no server-initiated asks).
 * While the tool call is open the ask rides on it; after it returned a task handle, it goes to the client's
 * session. The form is one choice: allow once, allow for this instance (this tool, for the instance's
 * life), deny. Anything but an accepted allow is a refusal, with the reason passed to the agent; a failed
 * request (the client went away) rejects, and the approvals gate puts the ask in its queue instead.
 */
export function elicitPermission(server: McpServer, ctx: ServerContext, requestOpen: () => boolean): AskPermission | undefined {
  if (ctx.mcpReq.envelope !== undefined) return undefined;
  if (!server.server.getClientCapabilities()?.elicitation) return undefined;
  return async (request, signal): Promise<PermissionAnswer> => {
    const params = {
      mode: 'form' as const,
      message: approvalMessage(request),
      requestedSchema: {
        type: 'object' as const,
        properties: {
          decision: {
            type: 'string' as const,
            title: `Let the agent use ${request.tool}?`,
            oneOf: APPROVAL_DECISIONS.map((d) => ({ const: d, title: DECISION_TITLES[d] })),
          },
        },
        required: ['decision'],
      },
    };
    const result = requestOpen() ? await ctx.mcpReq.elicitInput(params, { signal }) : await server.server.elicitInput(params, { signal });
    const decision = result.action === 'accept' ? result.content?.['decision'] : undefined;
    if (decision === 'allow_once') return { allow: true };
    if (decision === 'allow_instance') return { allow: true, forInstance: true };
    return { allow: false, message: result.action === 'accept' ? 'The user answered deny.' : `The user chose to ${result.action} the question.` };
  };
}
