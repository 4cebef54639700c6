import { McpServer } from '@modelcontextprotocol/server';
import { DEFAULTS } from '../config/defaults.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { mcpInputSchema, mcpOutputSchema } from '../tools/output-check.js';
import { executeTool, TOOLS } from '../tools/registry.js';
import { elicitBudget } from './elicit-budget.js';
import { elicitPermission } from './elicit-permission.js';
import { registerConversationResources, type ResourcePush } from './mcp-resources.js';
import { VERSION } from '../version.js';

export const SERVER_NAME = 'claude-orchestrator';

/** What a model reads before it uses the tools: when to use which, and what the results mean. A few hundred words. */
export const INSTRUCTIONS = `This server runs other Claude instances for you: specialists you start, talk to, combine and end.

Spawning: spawn_claude with a role that fits the work: frontend_developer, backend_developer, testing_specialist, code_reviewer, architect, debugger, security_analyst, documentation_writer, data_analyst, or general. Give a clear name; add system_prompt for project specifics. Each instance has its own workspace directory. Spawn only what the task needs; reuse an instance for follow-ups rather than spawning another.

Conversation: instances remember their whole conversation, so send_to_instance only the next step, not the history again. The result has the reply, token usage and cost_usd.

Budgets: max_total_tokens and max_cost (USD) cap what an instance and its children may spend; the server has global caps too. Every model call is held against them before it is made. When a call would pass a spent budget, a client with elicitation is asked whether to raise it (by how much); accepted, the work goes on. Otherwise a reply with stop_reason "budget_exhausted" was cut short (the text so far is kept) and further sends fail with limit_exceeded: spawn a fresh instance with a larger budget, or finish without it. get_instance_status and list_instances show usage, cost and health.

Permissions: a claude-code agent at any depth asks before tools its policy doesn't allow; a client with elicitation is asked directly, and every ask also waits in a queue (get_instance_status shows pending_approvals): answer it there or with answer_approval (no arguments lists them) before it is denied; the first answer wins.

Long work: send_to_instance and coordinate_instances wait up to wait_seconds (default ${DEFAULTS.waitSeconds}); if the work is not done by then they return {task_id, state:"working"}. Call get_task with the task_id and wait_seconds (up to 300) to wait for the result, and cancel_task to stop it (the instances stay usable). Do other work meanwhile if you can.

Coordination (coordinate_instances), choose by the shape of the task:
- parallel: independent views or parts at once; a coordinator_id synthesises one answer.
- sequential: a pipeline where each step builds on the previous (draft, review, fix).
- hierarchical: a task to decompose; the coordinator plans sub-tasks, participants do them, the coordinator integrates.
- consensus: a decision between options; participants propose and vote (max_rounds, quorum).
Check success and final_answer in the result.

History: get_instance_output pages through a conversation (limit/offset). Each conversation is also a resource, orchestrator://instances/{id}/conversation (resources/read gives recent messages as markdown); subscribe to it to be told after each turn.

Clean up: terminate_instance each instance when its work is done (children go with it; the workspace is removed unless keep_workspace). An instance also ends timeout_minutes after it was spawned.`;

/** The orchestrator, or how to get it once it is ready (a stdio server answers the handshake before opening its store). */
export type OrchestratorSource = Orchestrator | (() => Promise<Orchestrator>);

/**
 * A fresh MCP server over the shared orchestrator. Cheap: the SDK builds one per HTTP request or stdio
 * connection, while all state lives in the orchestrator.
 */
export function createMcpServer(source: OrchestratorSource, options: { readonly resourcePush?: ResourcePush } = {}): McpServer {
  const orchestrator = typeof source === 'function' ? source : () => Promise.resolve(source);
  const server = new McpServer(
    { name: SERVER_NAME, version: VERSION },
    { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );
  registerConversationResources(server, orchestrator, options.resourcePush ?? 'subscribed');
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: mcpInputSchema(tool), outputSchema: mcpOutputSchema(tool), annotations: tool.annotations },
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
        const askBudget = elicitBudget(server, ctx, () => open);
        try {
          return (
            await executeTool(await orchestrator(), tool.name, args, {
              signal: ctx.mcpReq.signal,
              ...(onProgress ? { onProgress } : {}),
              ...(askPermission ? { askPermission } : {}),
              ...(askBudget ? { askBudget } : {}),
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
