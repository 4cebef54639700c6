import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { AskPermission, PermissionAnswer } from '../backends/backend.js';
import { approvalMessage, DECISION_TITLES } from '../approvals/approval-text.js';
import { APPROVAL_DECISIONS } from '../store/approvals.js';
import { elicitorFor } from './elicitor.js';

/**
 * Turns an agent's permission ask into an MCP elicitation to the client that sent the work, when that
 * client declared it can answer (elicitor.ts). The form is one choice: allow once, allow for this instance (this tool, for the instance's
 * life), deny. Anything but an accepted allow is a refusal, with the reason passed to the agent; a failed
 * request (the client went away) rejects, and the approvals gate puts the ask in its queue instead.
 */
export function elicitPermission(server: McpServer, ctx: ServerContext, requestOpen: () => boolean): AskPermission | undefined {
  const elicit = elicitorFor(server, ctx, requestOpen);
  if (!elicit) return undefined;
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
    const result = await elicit(params, signal);
    const decision = result.action === 'accept' ? result.content?.['decision'] : undefined;
    if (decision === 'allow_once') return { allow: true };
    if (decision === 'allow_instance') return { allow: true, forInstance: true };
    return { allow: false, message: result.action === 'accept' ? 'The user answered deny.' : `The user chose to ${result.action} the question.` };
  };
}
