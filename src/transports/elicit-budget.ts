import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import type { AskBudget, BudgetAnswer, BudgetQuestion } from '../budget-ask/budget-question.js';
import { elicitorFor } from './elicitor.js';

/**
 * Turns a spent budget's question into an MCP elicitation to the client that sent the work, when that client
 * declared it can answer (elicitor.ts): a form with one number, how much to add (the proposal as default, what
 * the refused call needs as minimum). A "no" to one budget is kept for the rest of this tool call: the other
 * turns of a run refused by it are not asked again.
 */
export function elicitBudget(server: McpServer, ctx: ServerContext, requestOpen: () => boolean): AskBudget | undefined {
  const elicit = elicitorFor(server, ctx, requestOpen);
  if (!elicit) return undefined;
  const refused = new Set<string>();
  return async (question: BudgetQuestion, signal: AbortSignal): Promise<BudgetAnswer> => {
    if (refused.has(question.key)) return { action: 'decline' };
    const tokens = question.unit === 'tokens';
    const params = {
      mode: 'form' as const,
      message: question.message,
      requestedSchema: {
        type: 'object' as const,
        properties: {
          add: {
            type: tokens ? ('integer' as const) : ('number' as const),
            title: tokens ? 'Tokens to add' : 'USD to add',
            description: `At least ${question.minimum} (what the next call needs).`,
            minimum: question.minimum,
            default: question.proposed,
          },
        },
        required: ['add'],
      },
    };
    const result = await elicit(params, signal);
    const add = result.content?.['add'];
    if (result.action === 'accept' && typeof add === 'number' && Number.isFinite(add) && add > 0) return { action: 'accept', add };
    refused.add(question.key);
    return { action: result.action === 'cancel' ? 'cancel' : 'decline' };
  };
}
