import { answerApprovalSchema, parseAnswer } from '../approvals/approval-input.js';
import { approvalsOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

export const answerApprovalTool = defineTool({
  name: 'answer_approval',
  title: 'Answer a permission ask',
  description: "Answer an agent's pending permission ask (any depth; denied after APPROVAL_TIMEOUT_SECONDS): allow_once, allow_instance (this tool, for the instance's life), deny. No arguments: list them.",
  inputSchema: answerApprovalSchema,
  outputSchema: approvalsOutput,
  annotations: { readOnlyHint: false, openWorldHint: false },
  run: async (orchestrator, raw) => {
    const input = parseAnswer(raw);
    return input.list ? { approvals: await orchestrator.approvals.pending() } : { approval: await orchestrator.approvals.answer(input.id, input.decision) };
  },
});
